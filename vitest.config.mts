import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 600_000,
    // Integration tests share one engine: run files one at a time on the 2-core CI machine.
    fileParallelism: false,
    reporters: ['default'],
    // oclif writes through console.log; @oclif/test captures process.stdout, so vitest must not intercept.
    disableConsoleIntercept: true,
  },
});
