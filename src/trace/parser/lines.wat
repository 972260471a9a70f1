;; The parser's two WebAssembly functions (source of lines.wasm.ts: `npm run wasm` assembles this
;; file with wabt; a unit test checks the committed bytes are what this text gives).
;; All offsets are byte offsets into the imported memory (see newlines.ts for its layout).
(module
  (memory (import "m" "mem") 1)

  ;; scan: the offset from $p (as passed) of every '\n' in [$p, $end), stored as i32 at $out;
  ;; returns how many. 32 bytes a turn; the first two line ends of a turn are stored without
  ;; testing whether there are any (a store that turns out not to be one is overwritten by the
  ;; next), so a typical turn has no branch that depends on the data; only turns with three or
  ;; more line ends loop over the rest. The last turn reads up to 31 bytes past $end and drops
  ;; what it finds there.
  (func (export "scan") (param $p i32) (param $end i32) (param $out i32) (result i32)
    (local $mask i32) (local $out0 i32) (local $o i32) (local $left i32) (local $at i32)
    (local.set $out0 (local.get $out))
    (block $done
      (loop $turns
        (local.set $left (i32.sub (local.get $end) (local.get $p)))
        (br_if $done (i32.le_s (local.get $left) (i32.const 0)))
        ;; bit k of $mask: byte p+k is '\n' (and p+k < end)
        (local.set $mask
          (i32.or
            (i8x16.bitmask (i8x16.eq (v128.load offset=0 align=1 (local.get $p)) (i8x16.splat (i32.const 10))))
            (i32.shl
              (i8x16.bitmask (i8x16.eq (v128.load offset=16 align=1 (local.get $p)) (i8x16.splat (i32.const 10))))
              (i32.const 16))))
        (if (i32.lt_u (local.get $left) (i32.const 32)) ;; the last turn
          (then
            (local.set $mask
              (i32.and (local.get $mask)
                       (i32.sub (i32.shl (i32.const 1) (local.get $left)) (i32.const 1))))))
        (local.set $o (local.get $out))
        (local.set $out (i32.add (local.get $out) (i32.shl (i32.popcnt (local.get $mask)) (i32.const 2))))
        (i32.store offset=0 (local.get $o) (i32.add (local.get $at) (i32.ctz (local.get $mask))))
        (local.set $mask (i32.and (local.get $mask) (i32.sub (local.get $mask) (i32.const 1))))
        (i32.store offset=4 (local.get $o) (i32.add (local.get $at) (i32.ctz (local.get $mask))))
        (local.set $mask (i32.and (local.get $mask) (i32.sub (local.get $mask) (i32.const 1))))
        (block $two_or_fewer
          (br_if $two_or_fewer (i32.eqz (local.get $mask)))
          (local.set $o (i32.add (local.get $o) (i32.const 8)))
          (loop $rest
            (i32.store (local.get $o) (i32.add (local.get $at) (i32.ctz (local.get $mask))))
            (local.set $o (i32.add (local.get $o) (i32.const 4)))
            (local.set $mask (i32.and (local.get $mask) (i32.sub (local.get $mask) (i32.const 1))))
            (br_if $rest (local.get $mask))))
        (local.set $p (i32.add (local.get $p) (i32.const 32)))
        (local.set $at (i32.add (local.get $at) (i32.const 32)))
        (br $turns)))
    (i32.shr_u (i32.sub (local.get $out) (local.get $out0)) (i32.const 2)))

  ;; classify: for each of the $count lines whose ends `scan` stored at $ends (offsets from
  ;; $base), the first starting at $start, stores at $ids what the line is, when it is one of
  ;;   kind 0: a finished call            NAME(… = RESULT
  ;;   kind 1: a call that returns later  NAME(… <unfinished ...>
  ;;   kind 2: the return of such a call  <... NAME resumed>… = RESULT
  ;; of a name the names table holds: kind << 28 | the name's id << 2 | how it failed (0: it did
  ;; not, or not with EPERM or ENOSYS; 1: EPERM; 2: ENOSYS); and -1 for any other line. At $pids:
  ;; the line's pid prefix, or -1 (NO_PID) when it has none.
  ;;
  ;; It accepts only lines the parser reads with no effect but what these say (counting the call,
  ;; the process's call in flight, a failure): TraceParser.parseGeneral is the definition, and the
  ;; parser's tests hold this function to it line by line. A line it refuses costs nothing but the
  ;; JavaScript reading it, so it refuses whatever is not plainly such a line:
  ;;   [ "[pid" " "* DIGITS{1,9} "]" " "* ]            (no other text inside the brackets)
  ;;   ( TOKEN " "+ ){0,3}                             TOKEN: a run of [0-9.:]; only the first
  ;;                                                   may be digits only (then it is the pid)
  ;;   NAME "(" … ( " = " RESULT [ " <" [0-9.]+ ">" ] | "<unfinished ...>" )
  ;;   "<... " NAME " " … " = " RESULT [ " <" [0-9.]+ ">" ]
  ;; NAME: [a-z]…, with its '(' (its ' ') among the next 16 bytes, in the names table, its id not
  ;; execve's or the fork family's; no line ending in a space or '\r'.
  ;; A name must start 16 bytes or more before $limit (the end of the chunk), as the lookup reads
  ;; 16 bytes.
  ;;
  ;; names (the parser's names of 15 bytes or less): 2^NAME_BUCKET_BITS buckets of two 32-byte
  ;; slots: "NAME(" zero-padded to 16 bytes, the id (i32), 12 bytes unused; an empty slot is all
  ;; zero. A name's bucket is ((w0 * 0x9e3779b1) ^ (w1 * 0x85ebca77) ^ (w2 * 0xc2b2ae3d) ^
  ;; (w3 * 0x27d4eb2f)) >>> (32 - NAME_BUCKET_BITS), w0…w3 the padded bytes as little-endian i32.
  (func (export "classify")
    (param $start i32) (param $base i32) (param $ends i32) (param $count i32) (param $limit i32)
    (param $names i32) (param $ids i32) (param $pids i32)
    (local $q i32) (local $end i32) (local $i i32) (local $c i32) (local $pid i32)
    (local $tokens i32) (local $j i32) (local $plain i32) (local $v i32) (local $slot i32)
    (local $id i32) (local $last i32) (local $e i32) (local $k i32) (local $key v128) (local $kind i32)
    (block $done
      (loop $lines
        (br_if $done (i32.ge_u (local.get $q) (local.get $count)))
        (local.set $end
          (i32.add (local.get $base) (i32.load (i32.add (local.get $ends) (i32.shl (local.get $q) (i32.const 2))))))
        (local.set $pid (i32.const -1))
        (local.set $id (i32.const -1))
        (block $line ;; `br $line` refuses the line (its id stays -1)
          (local.set $i (local.get $start))
          (br_if $line (i32.ge_u (local.get $i) (local.get $end)))

          ;; "[pid 123] "
          (if (i32.eq (i32.load8_u (local.get $i)) (i32.const 0x5b)) ;; '['
            (then
              (br_if $line (i32.ne (i32.load align=1 (local.get $i)) (i32.const 0x6469705b))) ;; "[pid"
              (local.set $i (i32.add (local.get $i) (i32.const 4)))
              (block $b (loop $l
                (br_if $b (i32.ge_u (local.get $i) (local.get $end)))
                (br_if $b (i32.ne (i32.load8_u (local.get $i)) (i32.const 0x20)))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $l)))
              (local.set $j (local.get $i))
              (local.set $v (i32.const 0))
              (block $b (loop $l
                (br_if $b (i32.ge_u (local.get $i) (local.get $end)))
                (local.set $c (i32.sub (i32.load8_u (local.get $i)) (i32.const 0x30)))
                (br_if $b (i32.gt_u (local.get $c) (i32.const 9)))
                (local.set $v (i32.add (i32.mul (local.get $v) (i32.const 10)) (local.get $c)))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $l)))
              (br_if $line (i32.eq (local.get $i) (local.get $j)))
              (br_if $line (i32.gt_u (i32.sub (local.get $i) (local.get $j)) (i32.const 9)))
              (br_if $line (i32.ge_u (local.get $i) (local.get $end)))
              (br_if $line (i32.ne (i32.load8_u (local.get $i)) (i32.const 0x5d))) ;; ']'
              (local.set $pid (local.get $v))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (block $b (loop $l
                (br_if $b (i32.ge_u (local.get $i) (local.get $end)))
                (br_if $b (i32.ne (i32.load8_u (local.get $i)) (i32.const 0x20)))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $l)))))

          ;; pid and timestamps: "123 ", "15:39:34.497023 ", "1700000000.123456 "
          (local.set $tokens (i32.const 0))
          (block $tokens_done (loop $token
            (br_if $tokens_done (i32.ge_u (local.get $tokens) (i32.const 3)))
            (br_if $tokens_done (i32.ge_u (local.get $i) (local.get $end)))
            (br_if $tokens_done (i32.gt_u (i32.sub (i32.load8_u (local.get $i)) (i32.const 0x30)) (i32.const 9)))
            (local.set $j (local.get $i))
            (local.set $plain (i32.const 1))
            (block $b (loop $l
              (br_if $b (i32.ge_u (local.get $j) (local.get $end)))
              (local.set $c (i32.load8_u (local.get $j)))
              (if (i32.gt_u (i32.sub (local.get $c) (i32.const 0x30)) (i32.const 9))
                (then
                  (br_if $b (i32.and (i32.ne (local.get $c) (i32.const 0x2e))   ;; '.'
                                     (i32.ne (local.get $c) (i32.const 0x3a)))) ;; ':'
                  (local.set $plain (i32.const 0))))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $l)))
            (br_if $line (i32.ge_u (local.get $j) (local.get $end)))
            (br_if $line (i32.ne (i32.load8_u (local.get $j)) (i32.const 0x20)))
            (if (local.get $plain)
              (then
                ;; a pid: only as the first token of a line with no "[pid N]"
                (br_if $line (i32.ne (local.get $pid) (i32.const -1)))
                (br_if $line (local.get $tokens))
                (br_if $line (i32.gt_u (i32.sub (local.get $j) (local.get $i)) (i32.const 9)))
                (local.set $v (i32.const 0))
                (block $b (loop $l
                  (br_if $b (i32.ge_u (local.get $i) (local.get $j)))
                  (local.set $v
                    (i32.add (i32.mul (local.get $v) (i32.const 10))
                             (i32.sub (i32.load8_u (local.get $i)) (i32.const 0x30))))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br $l)))
                (local.set $pid (local.get $v))))
            (local.set $tokens (i32.add (local.get $tokens) (i32.const 1)))
            (local.set $i (local.get $j))
            (block $b (loop $l
              (br_if $b (i32.ge_u (local.get $i) (local.get $end)))
              (br_if $b (i32.ne (i32.load8_u (local.get $i)) (i32.const 0x20)))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $l)))
            (br $token)))

          ;; the name: "NAME(" of a call, or "<... NAME " of a resumed one; the bytes up to the '('
          ;; (the ' ') among the next 16, looked up in the names table
          (br_if $line (i32.ge_u (local.get $i) (local.get $end)))
          (local.set $kind (i32.const 0))
          (local.set $c (i32.const 0x28)) ;; '(': what ends the name
          (if (i32.eq (i32.load8_u (local.get $i)) (i32.const 0x3c)) ;; '<'
            (then
              (br_if $line (i32.ne (i32.load align=1 (local.get $i)) (i32.const 0x2e2e2e3c))) ;; "<..."
              (br_if $line (i32.ne (i32.load8_u offset=4 (local.get $i)) (i32.const 0x20)))
              (local.set $i (i32.add (local.get $i) (i32.const 5)))
              (local.set $kind (i32.const 2))
              (local.set $c (i32.const 0x20))))
          (br_if $line (i32.gt_u (i32.sub (i32.load8_u (local.get $i)) (i32.const 0x61)) (i32.const 25))) ;; a-z
          (br_if $line (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $limit)))
          (local.set $key (v128.load align=1 (local.get $i)))
          (local.set $c (i8x16.bitmask (i8x16.eq (local.get $key) (i8x16.splat (local.get $c)))))
          (br_if $line (i32.eqz (local.get $c)))
          (local.set $c (i32.ctz (local.get $c))) ;; the name's length
          (local.set $j (i32.add (local.get $i) (local.get $c))) ;; its '(' (the ' ' after a resumed one)
          ;; the name, '(', zero after
          (local.set $key
            (v128.bitselect
              (i8x16.splat (i32.const 0x28))
              (v128.and (local.get $key)
                        (i8x16.lt_u (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)
                                    (i8x16.splat (local.get $c))))
              (i8x16.eq (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)
                        (i8x16.splat (local.get $c)))))
          (local.set $slot
            (i32.add (local.get $names)
              (i32.shl
                (i32.shr_u
                  (i32.xor
                    (i32.xor (i32.mul (i32x4.extract_lane 0 (local.get $key)) (i32.const 0x9e3779b1))
                             (i32.mul (i32x4.extract_lane 1 (local.get $key)) (i32.const 0x85ebca77)))
                    (i32.xor (i32.mul (i32x4.extract_lane 2 (local.get $key)) (i32.const 0xc2b2ae3d))
                             (i32.mul (i32x4.extract_lane 3 (local.get $key)) (i32.const 0x27d4eb2f))))
                  (i32.const 21)) ;; 32 - NAME_BUCKET_BITS
                (i32.const 6)))) ;; 64 bytes a bucket
          (if (i32.eqz (i8x16.all_true (i8x16.eq (v128.load (local.get $slot)) (local.get $key))))
            (then
              (local.set $slot (i32.add (local.get $slot) (i32.const 32)))
              (br_if $line (i32.eqz (i8x16.all_true (i8x16.eq (v128.load (local.get $slot)) (local.get $key)))))))
          (local.set $k (i32.load offset=16 (local.get $slot))) ;; the name's id
          (br_if $line (i32.lt_s (local.get $k) (i32.const 5))) ;; SPECIAL_IDS
          (br_if $line (i32.ge_u (local.get $k) (i32.const 0x4000000))) ;; room for the kind

          ;; the tail: no trailing space or '\r'; "<unfinished ...>" ends an unfinished call (kind 1);
          ;; a -T " <0.000012>" is skipped
          (local.set $last (i32.load8_u (i32.sub (local.get $end) (i32.const 1))))
          (br_if $line (i32.eq (local.get $last) (i32.const 0x20)))
          (br_if $line (i32.eq (local.get $last) (i32.const 0x0d)))
          (local.set $e (local.get $end))
          (if (i32.eq (local.get $last) (i32.const 0x3e)) ;; '>'
            (then
              (if (i32.ge_s (i32.sub (local.get $end) (local.get $j)) (i32.const 16))
                (then
                  (if (i32.and
                        (i64.eq (i64.load align=1 (i32.sub (local.get $end) (i32.const 16)))
                                (i64.const 0x73696e69666e753c)) ;; "<unfinis"
                        (i64.eq (i64.load align=1 (i32.sub (local.get $end) (i32.const 8)))
                                (i64.const 0x3e2e2e2e20646568))) ;; "hed ...>"
                    (then
                      (br_if $line (local.get $kind)) ;; resumed and unfinished again
                      (local.set $id (i32.or (i32.shl (local.get $k) (i32.const 2)) (i32.const 0x10000000)))
                      (br $line)))))
              (local.set $v (i32.sub (local.get $e) (i32.const 2)))
              (block $b (loop $l
                (br_if $b (i32.le_s (local.get $v) (local.get $j)))
                (local.set $c (i32.load8_u (local.get $v)))
                (br_if $b (i32.and (i32.gt_u (i32.sub (local.get $c) (i32.const 0x30)) (i32.const 9))
                                   (i32.ne (local.get $c) (i32.const 0x2e))))
                (local.set $v (i32.sub (local.get $v) (i32.const 1)))
                (br $l)))
              (if (i32.and
                    (i32.and (i32.eq (i32.load8_u (local.get $v)) (i32.const 0x3c)) ;; '<'
                             (i32.lt_s (local.get $v) (i32.sub (local.get $e) (i32.const 2))))
                    (i32.eq (i32.load8_u (i32.sub (local.get $v) (i32.const 1))) (i32.const 0x20)))
                (then (local.set $e (i32.sub (local.get $v) (i32.const 1)))))))

          ;; the result: the last " = " after the '(' (the resumed name), 16 positions a turn from
          ;; the end (the turn's positions all after it), then one by one
          (local.set $v (i32.sub (local.get $e) (i32.const 17)))
          (block $found
            (block $by_byte
              (loop $turn
                (br_if $by_byte (i32.le_s (local.get $v) (local.get $j)))
                (local.set $c
                  (i8x16.bitmask
                    (v128.and
                      (i8x16.eq (v128.load align=1 (local.get $v)) (i8x16.splat (i32.const 0x3d))) ;; '='
                      (v128.and
                        (i8x16.eq (v128.load align=1 (i32.sub (local.get $v) (i32.const 1))) (i8x16.splat (i32.const 0x20)))
                        (i8x16.eq (v128.load offset=1 align=1 (local.get $v)) (i8x16.splat (i32.const 0x20)))))))
                (if (local.get $c)
                  (then
                    (local.set $v (i32.add (local.get $v) (i32.sub (i32.const 31) (i32.clz (local.get $c)))))
                    (br $found)))
                (local.set $v (i32.sub (local.get $v) (i32.const 16)))
                (br $turn)))
            (local.set $v (i32.add (local.get $v) (i32.const 15)))
            (loop $l
              (br_if $line (i32.le_s (local.get $v) (local.get $j)))
              (br_if $found
                (i32.and
                  (i32.eq (i32.load8_u (local.get $v)) (i32.const 0x3d))
                  (i32.and (i32.eq (i32.load8_u (i32.sub (local.get $v) (i32.const 1))) (i32.const 0x20))
                           (i32.eq (i32.load8_u offset=1 (local.get $v)) (i32.const 0x20)))))
              (local.set $v (i32.sub (local.get $v) (i32.const 1)))
              (br $l)))
          (local.set $v (i32.add (local.get $v) (i32.const 2))) ;; the result's first byte
          (local.set $id (i32.or (i32.shl (local.get $k) (i32.const 2)) (i32.shl (local.get $kind) (i32.const 28))))
          ;; how it failed, as retKind reads it: | 1 for "-1 EPERM (…)", | 2 for ENOSYS, | 0 for
          ;; anything else
          (block $kind
            (br_if $kind (i32.ne (i32.load8_u (local.get $v)) (i32.const 0x2d))) ;; '-'
              (local.set $v (i32.add (local.get $v) (i32.const 1)))
              (block $b (loop $l
                (br_if $b (i32.ge_u (local.get $v) (local.get $end)))
                (br_if $b (i32.gt_u (i32.sub (i32.load8_u (local.get $v)) (i32.const 0x30)) (i32.const 9)))
                (local.set $v (i32.add (local.get $v) (i32.const 1)))
                (br $l)))
              (br_if $kind (i32.ne (i32.load16_u align=1 (local.get $v)) (i32.const 0x4520))) ;; " E"
              (local.set $v (i32.add (local.get $v) (i32.const 1))) ;; the errno
              (if (i32.and (i32.le_s (i32.add (local.get $v) (i32.const 5)) (local.get $end))
                           (i32.eq (i32.load align=1 (local.get $v)) (i32.const 0x52455045))) ;; "EPER"
                (then
                  (if (i32.and (i32.eq (i32.load8_u offset=4 (local.get $v)) (i32.const 0x4d)) ;; 'M'
                               (i32.or (i32.eq (i32.add (local.get $v) (i32.const 5)) (local.get $end))
                                       (i32.eq (i32.load8_u offset=5 (local.get $v)) (i32.const 0x20))))
                    (then (local.set $id (i32.or (local.get $id) (i32.const 1)))))))
              (if (i32.and (i32.le_s (i32.add (local.get $v) (i32.const 6)) (local.get $end))
                           (i32.eq (i32.load align=1 (local.get $v)) (i32.const 0x534f4e45))) ;; "ENOS"
                (then
                  (if (i32.and (i32.eq (i32.load16_u offset=4 align=1 (local.get $v)) (i32.const 0x5359)) ;; "YS"
                               (i32.or (i32.eq (i32.add (local.get $v) (i32.const 6)) (local.get $end))
                                       (i32.eq (i32.load8_u offset=6 (local.get $v)) (i32.const 0x20))))
                    (then (local.set $id (i32.or (local.get $id) (i32.const 2)))))))))
        (i32.store (i32.add (local.get $ids) (i32.shl (local.get $q) (i32.const 2))) (local.get $id))
        (i32.store (i32.add (local.get $pids) (i32.shl (local.get $q) (i32.const 2))) (local.get $pid))
        (local.set $start (i32.add (local.get $end) (i32.const 1)))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $lines))))
)
