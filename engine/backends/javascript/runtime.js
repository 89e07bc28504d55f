  // ---- the run stage, as engine/run does it for one run (this part is the same for every model) ----
  // A clock counts in steps; the stepping process and every event are generator processes on it,
  // ordered by (step, priority, order of scheduling) as simpy orders them in engine/run: events at
  // one step apply in the order the scenario lists them, then the step's record and integration.
  const SNAP_TOL = 1e-9;
  const MAX_FIRINGS = 1000000;
  const STEP_PRIORITY = 3;
  const URGENT = 0;

  class ModelRunError extends Error {
    constructor(message, element) {
      super(element ? `in '${element}': ${message}` : message);
      this.name = "ModelRunError";
      this.element = element || null;
    }
  }

  function roundHalfEven(x) {
    const f = Math.floor(x), d = x - f;
    if (d > 0.5) return f + 1.0;
    if (d < 0.5) return f;
    return f % 2.0 === 0.0 ? f : f + 1.0;
  }

  class Clock {
    constructor() {
      this.now = 0;
      this.queue = [];          // [step, priority, id, process], kept sorted
      this.ids = 0;
    }

    schedule(process, delay, priority) {
      const e = [this.now + delay, priority, this.ids++, process];
      const q = this.queue;
      let i = q.length;
      while (i > 0 && (q[i - 1][0] > e[0] || (q[i - 1][0] === e[0] && q[i - 1][1] > e[1]))) i--;
      q.splice(i, 0, e);
    }

    process(generator) {
      this.schedule(generator, 0, URGENT);
    }

    peek() {
      return this.queue.length ? this.queue[0][0] : Infinity;
    }

    run() {
      while (this.queue.length) {
        const [step, , , process] = this.queue.shift();
        this.now = step;
        const r = process.next();
        if (!r.done) this.schedule(process, r.value[0], r.value[1]);
      }
    }
  }

  function checkValue(name, v) {
    const p = PARAMS.find((q) => q.name === name);
    if (!p) {
      throw new ModelRunError(`'${name}' is not a parameter of the model`);
    }
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new ModelRunError(`value ${v} is not a finite number`, name);
    }
    if (v < p.low || v > p.high) {
      throw new ModelRunError(`value ${v} is outside the declared range [${p.low}, ${p.high}]`, name);
    }
    return p;
  }

  function setDelays(times, inits) {
    const n = times.length;
    const DS = new Int32Array(n), DZ = new Int32Array(n), DO = new Int32Array(n), DI = new Float64Array(n);
    let total = 0;
    for (let d = 0; d < n; d++) {
      const steps = roundHalfEven(times[d] / _dt);
      if (!Number.isFinite(steps)) throw new ModelRunError("a pipeline delay's time is not a finite number", DELAY_NAMES[d]);
      DS[d] = Math.min(Math.max(1, steps), _n + 1);   // longer than the run: its start value throughout
      DZ[d] = DS[d];
      DO[d] = total;
      DI[d] = inits[d];
      total += DS[d];
      if (total * 8 > MAX_DELAY_BYTES) {
        throw new ModelRunError(`the pipeline delays need more than ${MAX_DELAY_BYTES / 2 ** 30} GB of history`, DELAY_NAMES[d]);
      }
    }
    return { DB: new Float64Array(total), DO, DZ, DS, DI };
  }

  function run(values = {}) {
    const V = new Float64Array(N_SLOTS);
    for (const p of PARAMS) V[p.slot] = p.value;
    for (const [name, v] of Object.entries(values)) V[checkValue(name, v).slot] = v;
    _hoist(V);
    const [times, inits] = _initial(V);
    const D = setDelays(times, inits);
    const pend = new Uint8Array(N_CONDITIONS).fill(1);
    const out = new Float64Array(N_SAVE * SAVED.length);
    const clock = new Clock();
    const state = { k: 0 };
    const events = EVENTS.length ? new Events(clock, V, D, pend) : null;
    if (events) events.start();
    clock.process(stepper(clock, V, D, out, pend, events, state));
    clock.run();
    const result = new Result(out);
    verify(result, V);
    return result;
  }

  function* stepper(clock, V, D, out, pend, events, state) {
    let k = 0;
    while (k <= _n) {
      const nxt = clock.peek();
      const k1 = nxt === Infinity ? _n + 1 : Math.min(_n + 1, nxt);
      if (k1 <= k) {                // an event is due now and has not run yet: let it
        yield [0, STEP_PRIORITY];
        continue;
      }
      const [kStop, cond] = _segment(state.k, k1, V, out, D, pend);
      state.k = kStop;
      if (cond >= 0) events.trigger(cond, kStop);
      yield [kStop - k, STEP_PRIORITY];
      k = kStop;
    }
  }

  class Events {
    constructor(clock, V, D, pend) {
      this.clock = clock;
      this.V = V;
      this.D = D;
      this.pend = pend;
      this.log = [];
    }

    prio(ev) {
      return 1 + ev.index / (EVENTS.length + 1);
    }

    start() {
      const vals = GROUPS[START_GROUP](0, this.V, this.D);
      const row = new Map(GROUP_PROBES[START_GROUP].map((p, i) => [p, vals[i]]));
      for (const ev of EVENTS) {
        if (ev.when === null) this.clock.process(this.timed(ev, this.schedule(ev, row)));
      }
    }

    finite(v, ev, what) {
      if (!Number.isFinite(v)) throw new ModelRunError(`the ${what} is not a finite number`, ev.name);
      return v;
    }

    // Steps at which a timed event fires, in order, every firing (two in one step both apply, as in
    // engine/run/timetable.py).
    schedule(ev, row) {
      let times;
      if (ev.at.length) {
        times = ev.at.map((p) => this.finite(row.get(p), ev, "event time"));
      } else {
        const every = this.finite(row.get(ev.every), ev, "period");
        if (every <= 0) throw new ModelRunError("an event's period ('every') must be positive", ev.name);
        const start = ev.start !== null ? this.finite(row.get(ev.start), ev, "start") : _t0 + every;
        let end = ev.end !== null ? this.finite(row.get(ev.end), ev, "end") : _t1;
        end = Math.min(end, _t1);
        const count = Math.max(Math.floor((end - start) / every + SNAP_TOL) + 1, 0);
        if (count > MAX_FIRINGS) throw new ModelRunError(`the event would fire ${count} times (at most ${MAX_FIRINGS})`, ev.name);
        times = [];
        for (let j = 0; j < count; j++) times.push(start + every * j);
      }
      const steps = [];
      for (const x of times) {
        const k = Math.ceil((x - _t0) / _dt - SNAP_TOL);
        if (k >= 0 && k <= _n) steps.push(k);
      }
      return steps.sort((a, b) => a - b);
    }

    *timed(ev, steps) {
      let now = 0;
      for (const k of steps) {
        yield [k - now, this.prio(ev)];
        now = k;
        this.apply(ev, k);
      }
    }

    // 'when' condition j first held at step k (the stepper stopped there)
    trigger(j, k) {
      const ev = EVENTS.find((e) => e.when === j);
      this.pend[j] = 0;
      this.clock.process(this.once(ev, k));
    }

    *once(ev, k) {
      yield [k - this.clock.now, this.prio(ev)];
      this.apply(ev, k);
    }

    check(ev, action, v) {
      if (v >= action.low && v <= action.high) return;
      const t = _t0 + this.clock.now * _dt;
      if (!Number.isFinite(v)) {
        throw new ModelRunError(`sets '${action.name}' to a value that is not a finite number at time ${t}`, ev.name);
      }
      throw new ModelRunError(`sets '${action.name}' to ${v} at time ${t}, outside its declared range `
        + `[${action.low}, ${action.high}]`, ev.name);
    }

    // All values are computed first from the same state, then set (a transfer conserves what it moves).
    apply(ev, k) {
      const V = this.V;
      this.log.push([_t0 + k * _dt, ev.name]);
      const vals = GROUPS[ev.group](k, V, this.D);
      const row = (p) => vals[GROUP_PROBES[ev.group].indexOf(p)];
      const plain = ev.actions.filter((a) => a.ramp === null);
      for (const a of plain) this.check(ev, a, row(a.value));
      for (const a of plain) V[a.slot] = row(a.value);
      for (const a of ev.actions) {
        if (a.ramp === null) continue;
        this.check(ev, a, row(a.value));
        this.clock.process(this.ramp(ev, a, V[a.slot], row(a.value), row(a.ramp)));
      }
      if (ev.params) _hoist(V);
    }

    *ramp(ev, a, from, to, over) {
      const steps = Math.max(roundHalfEven(over / _dt), 1);
      for (let j = 0; j <= steps; j++) {
        if (j) yield [1, this.prio(ev)];
        const frac = Math.min(j / steps, 1.0);
        this.V[a.slot] = from + (to - from) * frac;
        _hoist(this.V);
      }
    }
  }

  // The records of one run: data[record * SAVED.length + variable].
  class Result {
    constructor(data) {
      this.data = data;
      this.names = SAVED;
      this.times = TIMES;
    }

    index(name) {
      const i = SAVED.indexOf(name);
      if (i < 0) throw new ModelRunError(`'${name}' is not a saved variable`);
      return i;
    }

    get(name) {
      const i = this.index(name), m = SAVED.length;
      const out = new Float64Array(N_SAVE);
      for (let r = 0; r < N_SAVE; r++) out[r] = this.data[r * m + i];
      return out;
    }
  }

  // As engine/run's verify: no value NaN or infinite, every balance check within its tolerance.
  function verify(result, V) {
    const d = result.data, m = SAVED.length;
    let bad = STOCKS.some((s) => !Number.isFinite(V[s]));
    for (let i = 0; i < d.length && !bad; i++) bad = !Number.isFinite(d[i]);
    if (bad) {
      for (let r = 0; r < N_SAVE; r++) {
        const names = SAVED.filter((_, i) => !Number.isFinite(d[r * m + i]));
        if (names.length) {
          names.sort((a, b) => RANK(a) - RANK(b));
          const v = d[r * m + SAVED.indexOf(names[0])];
          throw new ModelRunError(`value became ${Number.isNaN(v) ? "NaN" : "infinite"} at time ${TIMES[r]}`, names[0]);
        }
      }
      throw new ModelRunError("a stock became NaN or infinite during the run");
    }
    for (const c of CHECKS) {
      const x = result.get(c.saved);
      let worst = 0, at = 0;
      for (let r = 0; r < x.length; r++) if (x[r] > worst) { worst = x[r]; at = r; }
      if (worst > c.tolerance) {
        throw new ModelRunError(`balance check '${c.name}' (${c.text}) fails at time ${TIMES[at]}: `
          + `relative residual ${worst.toPrecision(3)} > ${c.tolerance}`, c.name);
      }
    }
  }

  function RANK(name) {
    const r = RANKS.get(name);
    return r === undefined ? 1 << 30 : r;
  }

  // the saved steps: every _se-th and the final one always (TimeSpec.save_steps)
  const TIMES = Float64Array.from({ length: N_SAVE }, (_, r) => _t0 + Math.min(r * _se, _n) * _dt);
