import { Listr, ListrLogger, ProcessOutput } from 'listr2';

/**
 * Progress of a trace session on stderr, one listr2 list per step so the session keeps ordinary
 * control flow (try/finally for cleanup). `auto`: the spinner renderer on a terminal, a line per
 * event otherwise; `lines`: always lines; `silent`: nothing (`--json`, tests).
 */
export type ProgressMode = 'auto' | 'lines' | 'silent';

export interface StepControl {
  /** a line under the step (latest wins) */
  output(message: string): void;
  title(title: string): void;
}

export class Progress {
  private readonly logger: ListrLogger;

  constructor(
    private readonly mode: ProgressMode,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.logger = new ListrLogger({ processOutput: new ProcessOutput(stream, stream) });
  }

  async step<T>(title: string, fn: (ctl: StepControl) => Promise<T>): Promise<T> {
    let result: T | undefined;
    const list = new Listr(
      [
        {
          title,
          task: async (_ctx, task) => {
            result = await fn({
              output: (m) => {
                task.output = m;
              },
              title: (t) => {
                task.title = t;
              },
            });
          },
        },
      ],
      {
        renderer: this.mode === 'silent' ? 'silent' : this.mode === 'lines' ? 'simple' : 'default',
        rendererOptions: { logger: this.logger },
        fallbackRenderer: 'simple',
        fallbackRendererOptions: { logger: this.logger },
        fallbackRendererCondition: () => this.mode === 'lines' || !this.stream.isTTY,
        silentRendererCondition: () => this.mode === 'silent',
        registerSignalListeners: false,
        exitOnError: true,
        collectErrors: false,
      },
    );
    await list.run();
    return result as T;
  }

  get silent(): boolean {
    return this.mode === 'silent';
  }

  /** A line on stderr between steps (shown with --json too: it is not data). */
  note(message: string): void {
    this.stream.write(`${message}\n`);
  }
}
