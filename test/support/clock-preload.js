// A harness-only clock for local Lambda execution environments (never part of the wrapper): preloaded with
// `NODE_OPTIONS=--require <this file>`, it shifts the wall clock of the process by CLOCK_OFFSET_MS
// (milliseconds, e.g. 20 days) so that a test can run the real wrapper "on day 20" against records written
// on day 0. `Date.now()` and `new Date()` move; monotonic clocks (performance.now, timers) do not.
const offset = Number(process.env.CLOCK_OFFSET_MS || 0);
if (offset !== 0) {
  const RealDate = Date;
  const realNow = RealDate.now.bind(RealDate);
  class ShiftedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(realNow() + offset);
      else super(...args);
    }
    static now() {
      return realNow() + offset;
    }
  }
  globalThis.Date = ShiftedDate;
}
