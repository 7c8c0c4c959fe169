/**
 * Bounded evaluation (issue 9, item 1): regexes run on a linear-time engine, and the worker
 * pool stops an expression that runs too long even inside one built-in call, fails only
 * that record (MAP_EVAL_TIMEOUT at the expression's file and line) and goes on with the
 * queue. `$link` is answered on the main thread; its errors keep their identity.
 *
 * No assertion depends on speed: the runaway inputs below would run for minutes without
 * the change (the test would hit vitest's timeout), and the hard limit is the pool's own.
 * Nor on a quiet machine: the shared pool's wall-clock ceiling is far beyond its limit, so
 * a runaway is stopped by the limit (the CPU it had) however long a busy machine makes
 * that take; the ceiling has tests of its own with a CPU clock that stands still.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import * as testCommand from '../../engine/cli/commands/test.ts';
import { runCli } from '../../engine/cli/program.ts';
import { EvaluationInterrupted, MappingRuntimeError, StoreError } from '../../engine/errors.ts';
import { type MappingEvaluator, mappingEvaluator } from '../../engine/mapping/evaluate.ts';
import { EvaluatorPool } from '../../engine/mapping/evaluator/pool.ts';
import type { ExpressionRunner } from '../../engine/mapping/evaluator/runner.ts';
import { loadMappings } from '../../engine/mapping/load.ts';
import type { CompiledMapping, EvaluationContext } from '../../engine/mapping/model.ts';
import { checkWritten, probeMapping, registry, schemasDir, where } from './helpers.ts';

const HARD_MS = 1500;
/**
 * The shared pool's ceiling: at load 16-20 on 2 cores, 10 × HARD_MS of wall time gave this
 * process less than HARD_MS of CPU, and the runaway was stopped at the ceiling instead. A
 * stretch that gets no CPU at all in 100 s still ends before vitest's 120 s timeout.
 */
const CEILING_MS = 100_000;
const noLinks: EvaluationContext = { link: async () => undefined };

/** probe.yaml: FirstName computed by `expression` (line 9, column 7), LastName copied. */
const probe = (expression: string): string =>
  probeMapping(expression, '  - source: last_name\n    target: LastName\n');

/** The mapping `$link("customer", …)` names. */
const CUSTOMER = `version: 1
name: customer
source: { system: shop, entity: customer }
target: { system: erp, entity: customer }
create: { in_target: false }
properties:
  - source: email
    target: EmailAddress
`;

async function compile(text: string): Promise<CompiledMapping> {
  const { dir } = await checkWritten({ 'probe.yaml': text, 'customer.yaml': CUSTOMER });
  const loaded = await loadMappings(['.'], { registry, schemasDir, cwd: dir });
  expect(loaded.diagnostics).toEqual([]);
  return loaded.mappings.find((m) => m.name === 'probe')!;
}

/**
 * A `~>` chain is not bounded (engine/mapping/evaluator/bounded.ts), so the expression is
 * evaluated in a worker: what the tests of the worker's own `$link` protocol need.
 */
const inWorker = (expression: string): string => `(${expression}) ~> $string()`;

/** Grows with the data: O(n²) comparisons inside one call of JSONata's built-in $distinct. */
const QUADRATIC = '$string($count($distinct([1..$number(first_name)])))';

let pool: EvaluatorPool;
let evaluator: MappingEvaluator;

beforeAll(() => {
  pool = new EvaluatorPool({ size: 1, hardTimeoutMs: HARD_MS, hardCeilingMs: CEILING_MS });
  evaluator = mappingEvaluator(pool);
});
afterAll(() => pool.close());

describe('regular expressions', () => {
  it('a catastrophic pattern answers on 42 × "a" + "!" (it backtracks for minutes in JavaScript)', async () => {
    const mapping = await compile(probe('$contains(first_name, /^([a-z]+)+$/) ? "letters" : "other"'));
    const input = { first_name: `${'a'.repeat(42)}!`, last_name: 'N' };
    const values = await evaluator.valuesForTarget(mapping, input, noLinks);
    expect(values.get('FirstName')).toBe('other');
    expect((await evaluator.valuesForTarget(mapping, { first_name: 'abc' }, noLinks)).get('FirstName')).toBe(
      'letters',
    );
  });

  it('$match, $replace and $split keep their JavaScript results (groups, positions, flags)', async () => {
    const mapping = await compile(
      probe(
        '$join([$string($match(first_name, /(\\d+)-(x)?/)), $replace(first_name, /(\\w+)@(\\w+)/, "$2 at $1"), $join($split(first_name, /[,;] */), "|"), $replace(first_name, /A/i, "b")], " ~ ")',
      ),
    );
    const values = await evaluator.valuesForTarget(mapping, { first_name: 'Ab 12-, me@host;x' }, noLinks);
    expect(values.get('FirstName')).toBe(
      '{"match":"12-","index":3,"groups":["12",null]} ~ Ab 12-, host at me;x ~ Ab 12-|me@host|x ~ bb 12-, me@host;x',
    );
  });

  it('a pattern the linear-time engine cannot run is a validate error at the regex', async () => {
    const checked = await checkWritten({
      'probe.yaml': probe('$contains(first_name, /(a)\\1/) or $contains(last_name, /x(?=y)/)'),
    });
    expect(where(checked.diagnostics)).toEqual([
      ['EXPR_REGEX_UNSUPPORTED', 9, 29],
      ['EXPR_REGEX_UNSUPPORTED', 9, 62],
    ]);
    expect(checked.diagnostics[0]!.message).toContain('no backreferences');
  });
});

describe('the hard time limit', () => {
  it('stops one long built-in call, fails that record with file:line and the limit, and the queue goes on', async () => {
    const mapping = await compile(probe(QUADRATIC));
    // Queued together on a one-worker pool: the second waits behind the runaway one.
    const runaway = evaluator.valuesForTarget(mapping, { first_name: '1000000' }, noLinks);
    const next = evaluator.valuesForTarget(mapping, { first_name: '3', last_name: 'N' }, noLinks);
    const error = await runaway.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MappingRuntimeError);
    expect(error).toMatchObject({ code: 'MAP_EVAL_TIMEOUT', mapping: 'probe' });
    expect((error as Error).message).toMatch(
      /probe\.yaml:9:7: mapping "probe", property "FirstName" to_target/,
    );
    expect((error as Error).message).toContain(`hard limit of ${HARD_MS} ms`);
    expect([...(await next)]).toEqual([
      ['FirstName', '3'],
      ['LastName', 'N'],
    ]);
  });

  it('counts the time an expression had the machine: a starved worker is not stopped at the limit', async () => {
    // A process that gets no CPU at all (the clock never moves): the stretch takes far longer
    // than the 20 ms limit on the wall clock, yet it had none of the machine, so it finishes.
    const starved = new EvaluatorPool({
      size: 1,
      hardTimeoutMs: 20,
      hardCeilingMs: 120_000,
      cpuClock: () => 0,
    });
    onTestFinished(() => starved.close());
    const mapping = await compile(probe(QUADRATIC));
    const started = Date.now();
    const values = await mappingEvaluator(starved).valuesForTarget(mapping, { first_name: '5000' }, noLinks);
    expect(Date.now() - started, 'the stretch outlasted the limit on the wall clock').toBeGreaterThan(20);
    expect(values.get('FirstName')).toBe('5000');
  });

  it('stops a starved expression at the ceiling, whatever the machine', async () => {
    const starved = new EvaluatorPool({ size: 1, hardTimeoutMs: 20, hardCeilingMs: 300, cpuClock: () => 0 });
    onTestFinished(() => starved.close());
    const mapping = await compile(probe(QUADRATIC));
    const error = await mappingEvaluator(starved)
      .valuesForTarget(mapping, { first_name: '1000000' }, noLinks)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MAP_EVAL_TIMEOUT', mapping: 'probe' });
    expect((error as Error).message).toContain('did not finish within 300 ms');
  });

  it("keeps JSONata's step-based limit: an endless loop of steps fails without a worker being killed", async () => {
    const mapping = await compile(probe('($loop := function($n) { $loop($n) }; $loop(1))'));
    const error = await evaluator.valuesForTarget(mapping, {}, noLinks).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MAP_EVAL_TIMEOUT' });
    expect((error as Error).message).toContain('(JSONata D1012)');
  });

  it('reports a failing expression at its token, as in-process evaluation does', async () => {
    const mapping = await compile(probe('$uppercase(first_name) & $decimal("abc")'));
    const error = (await evaluator
      .valuesForTarget(mapping, { first_name: 'x' }, noLinks)
      .catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ code: 'MAP_EVAL_ERROR' });
    expect(error.message).toContain('probe.yaml:9:');
    expect(error.message).toContain('"abc" is not a number');
  });
});

describe('hostile HTML', () => {
  it('fails a record whose HTML is nested too deep with the depth and the limit, the same every time', async () => {
    // Its own pool with a generous hard limit: parsing 200 kB of markup three times can take
    // longer than HARD_MS on a loaded machine, and what is checked here is the depth limit.
    const roomy = new EvaluatorPool({ size: 1, hardTimeoutMs: 60_000 });
    const evaluator = mappingEvaluator(roomy);
    onTestFinished(() => roomy.close());
    const mapping = await compile(probe('$htmlToText(first_name)'));
    const deep = { first_name: `${'<div>'.repeat(20_000)}deep${'</div>'.repeat(20_000)}`, last_name: 'N' };
    for (let i = 0; i < 3; i++) {
      const error = (await evaluator
        .valuesForTarget(mapping, deep, noLinks)
        .catch((e: unknown) => e)) as Error;
      expect(error).toMatchObject({ code: 'MAP_EVAL_ERROR', mapping: 'probe' });
      expect(error.message).toContain('probe.yaml:9:');
      expect(error.message).toContain('nested 20000 elements deep, more than the limit of 256');
    }
    const fine = await evaluator.valuesForTarget(mapping, { first_name: '<div><b>ok</b></div>' }, noLinks);
    expect(fine.get('FirstName')).toBe('ok');
  });
});

describe('$link from a worker', () => {
  const linking = probe(
    inWorker(
      '$link("customer", id) & "/" & $link("customer", id) & "/" & $string($link("customer", {"id": "guest-" & $string(id)}))',
    ),
  );

  it('is answered on the main thread, once per key and record, including object keys', async () => {
    const mapping = await compile(linking);
    const asked: unknown[] = [];
    const ctx: EvaluationContext = {
      link: async (name, key) => {
        asked.push([name, key]);
        return typeof key === 'object' ? 'G1' : `C${String(key)}`;
      },
    };
    const values = await evaluator.valuesForTarget(mapping, { id: 7 }, ctx);
    expect(values.get('FirstName')).toBe('C7/C7/G1');
    expect(asked).toEqual([
      ['customer', 7],
      ['customer', { id: 'guest-7' }],
    ]);
  });

  it("keeps answers for the run while the linked mapping's links do not change", async () => {
    const mapping = await compile(probe(inWorker('$link("customer", id)')));
    let generation = 0;
    const linkScope = { generation: () => generation };
    const asked: unknown[] = [];
    // A new resolver per record, as the engine makes one per record; one scope per run.
    const record = (): EvaluationContext => ({
      link: async (_name, key) => {
        asked.push(key);
        return key === 9 ? undefined : `C${String(key)}`;
      },
      linkScope,
    });
    const first = async (input: unknown, ctx = record()) =>
      (await evaluator.valuesForTarget(mapping, input, ctx)).get('FirstName');
    expect(await first({ id: 7 })).toBe('C7');
    expect(await first({ id: 7 })).toBe('C7');
    expect(asked).toEqual([7]);
    // "Not linked" is never kept: it may be linked later in the run.
    expect(await first({ id: 9 })).toBeUndefined();
    expect(await first({ id: 9 })).toBeUndefined();
    expect(asked).toEqual([7, 9, 9]);
    // A link of "customer" written or deleted: kept answers are dropped.
    generation++;
    expect(await first({ id: 7 })).toBe('C7');
    expect(asked).toEqual([7, 9, 9, 7]);
    // Without a scope (a dry run), every record asks.
    expect(await first({ id: 7 }, { link: record().link })).toBe('C7');
    expect(asked).toEqual([7, 9, 9, 7, 7]);
  });

  it('does not count time spent resolving a link against the limit', async () => {
    const mapping = await compile(linking);
    // The first answer comes only after the hard limit has passed twice over.
    let calls = 0;
    const ctx: EvaluationContext = {
      link: () =>
        new Promise((resolve) => setTimeout(() => resolve('slow'), calls++ === 0 ? HARD_MS * 2 : 0)),
    };
    const values = await evaluator.valuesForTarget(mapping, { id: 7 }, ctx);
    expect(values.get('FirstName')).toBe('slow/slow/slow');
  });

  it('passes an error of the resolver through unchanged (a store failure is never "no link")', async () => {
    const mapping = await compile(linking);
    const failure = new StoreError('store unavailable');
    const ctx: EvaluationContext = {
      link: async () => {
        throw failure;
      },
    };
    await expect(evaluator.valuesForTarget(mapping, { id: 7 }, ctx)).rejects.toBe(failure);
  });
});

describe('the pool', () => {
  it("stops an evaluation at once when its run's signal aborts: interrupted, not an expression failure", async () => {
    // A limit no test waits for: without the signal honoured, the runaway runs for minutes.
    const patient = new EvaluatorPool({ size: 1, hardTimeoutMs: 600_000 });
    onTestFinished(() => patient.close());
    await patient.warm();
    const evaluator = mappingEvaluator(patient);
    const mapping = await compile(probe(QUADRATIC));
    const run = new AbortController();
    const ctx: EvaluationContext = { ...noLinks, signal: run.signal };
    const runaway = evaluator
      .valuesForTarget(mapping, { first_name: '1000000' }, ctx)
      .catch((e: unknown) => e);
    const queued = evaluator.valuesForTarget(mapping, { first_name: '3' }, ctx).catch((e: unknown) => e);
    // A hang guard, not a speed check: `warm` gives up after 15 s, and at load 15-20 a worker
    // can take longer than that to start from the TypeScript sources.
    await expect.poll(() => patient.busy, { timeout: 90_000, interval: 50 }).toBe(1);
    run.abort(new Error('service shutting down'));
    for (const error of await Promise.all([runaway, queued])) {
      expect(error).toBeInstanceOf(EvaluationInterrupted);
      expect(error).toMatchObject({ code: 'EVAL_INTERRUPTED' });
      expect((error as Error).message).toContain('(service shutting down)');
    }
    expect(patient.busy).toBe(0);
    // Already aborted: refused without a worker. The pool goes on with a fresh worker.
    await expect(evaluator.valuesForTarget(mapping, { first_name: '3' }, ctx)).rejects.toBeInstanceOf(
      EvaluationInterrupted,
    );
    const values = await evaluator.valuesForTarget(mapping, { first_name: '3', last_name: 'N' }, noLinks);
    expect(values.get('FirstName')).toBe('3');
  }, 240_000);

  it('warm: starts its workers and resolves once they are ready (a closed pool at once)', async () => {
    const fresh = new EvaluatorPool({ size: 2 });
    try {
      await mappingEvaluator(fresh).warmUp!();
      const ready = (fresh as unknown as { slots: Set<{ ready: boolean }> }).slots;
      expect(ready.size).toBe(2);
      expect([...ready].every((slot) => slot.ready)).toBe(true);
    } finally {
      await fresh.close();
    }
    await fresh.warm();
  });

  it('sends nothing to a worker for literals, plain paths and bounded expressions', async () => {
    // A closed pool rejects everything that reaches it.
    const closed = new EvaluatorPool({ size: 1 });
    await closed.close();
    const evaluator = mappingEvaluator(closed);
    const pathOnly = await compile(probe('billing.first_name'));
    const values = await evaluator.valuesForTarget(
      pathOnly,
      { billing: { first_name: 'Kari' }, last_name: 'N' },
      noLinks,
    );
    expect([...values]).toEqual([
      ['FirstName', 'Kari'],
      ['LastName', 'N'],
    ]);
    // Over an array JSONata maps the path (bounded: on this thread too).
    expect(
      (await evaluator.valuesForTarget(pathOnly, { billing: [{ first_name: 'Kari' }] }, noLinks)).get(
        'FirstName',
      ),
    ).toBe('Kari');
    const computed = await compile(
      probe(
        '(\n        $n := $trim(first_name);\n        $n = "" ? "-" : $uppercase($n) & " " & $string($count(tags))\n      )',
      ),
    );
    expect(
      (await evaluator.valuesForTarget(computed, { first_name: ' x ', tags: ['a', 'b'] }, noLinks)).get(
        'FirstName',
      ),
    ).toBe('X 2');
    const literal = await compile(probe('"Draft"'));
    expect((await evaluator.valuesForTarget(literal, {}, noLinks)).get('FirstName')).toBe('Draft');
    // A lambda (it could recurse) is not bounded: it goes to the worker pool.
    const unbounded = await compile(probe('($f := function($s) { $uppercase($s) }; $f(first_name))'));
    await expect(evaluator.valuesForTarget(unbounded, { first_name: 'x' }, noLinks)).rejects.toMatchObject({
      code: 'EVAL_CLOSED',
    });
  });

  it('sends the rest of a record to the runner in one call, after the local items, in order', async () => {
    const batches: string[][] = [];
    const counting: ExpressionRunner = {
      evaluate(items, ctx) {
        batches.push(items.map((item) => item.expression.label));
        return pool.evaluate(items, ctx);
      },
    };
    const evaluator = mappingEvaluator(counting);
    const mixed = await compile(
      probeMapping(
        inWorker('$uppercase(first_name)'),
        [
          '  - target: LastName',
          '    to_target: |',
          '      $lowercase(last_name)',
          '  - target: Kind',
          '    to_target: |',
          `      ${inWorker('first_name & " " & last_name')}`,
          '',
        ].join('\n'),
      ),
    );
    const values = await evaluator.valuesForTarget(mixed, { first_name: 'Kari', last_name: 'NORD' }, noLinks);
    expect([...values]).toEqual([
      ['FirstName', 'KARI'],
      ['LastName', 'nord'],
      ['Kind', 'Kari NORD'],
    ]);
    expect(batches).toEqual([['property "FirstName" to_target', 'property "Kind" to_target']]);
    // A local item that fails: nothing after it goes to the runner, the first failure wins.
    batches.length = 0;
    const failing = await compile(
      probeMapping(
        '$error("first")',
        ['  - target: LastName', '    to_target: |', `      ${inWorker('$error("second")')}`, ''].join('\n'),
      ),
    );
    await expect(evaluator.valuesForTarget(failing, {}, noLinks)).rejects.toThrow(/first/);
    expect(batches).toEqual([]);
  });
});

describe('mapsync test', () => {
  it('ends with a failure on a case that runs away inside one built-in call, and passes the regex case', async () => {
    const { dir } = await checkWritten({
      'probe.yaml': probe(
        `$contains(first_name, /^([a-z]+)+$/) ? "letters" : $contains(first_name, /^[0-9]+$/) ? ${QUADRATIC} : "other"`,
      ),
      'probe.test.yaml': `version: 1
cases:
  - name: catastrophic regex input
    input: { first_name: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!" }
    contains: { FirstName: other }
  - name: data-controlled size
    input: { first_name: "1000000" }
    contains: { FirstName: "1000000" }
`,
    });
    let out = '';
    let code = 0;
    await runCli(
      ['test', '.'],
      {
        registry,
        schemasDir,
        env: {},
        cwd: dir,
        out: (text) => {
          out += text;
        },
        err: () => {},
        now: () => new Date(),
        setExitCode: (c) => {
          code = c;
        },
      },
      [testCommand],
    );
    expect(code).toBe(1);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toBe(
      'probe.test.yaml:6:5 error TEST_FAILED case "data-controlled size" of mapping "probe" failed:',
    );
    // Stopped by the limit, or on a machine too busy to give it that much CPU by the
    // ceiling (the pool's own tests tell the two apart): either way at file:line, limit named.
    expect(lines[1]).toMatch(
      /^ {4}error: probe\.yaml:9:7: mapping "probe", property "FirstName" to_target: evaluation (ran longer than the hard limit of \d+ ms|did not finish within \d+ ms \(the machine was too busy to give it the \d+ ms of its hard limit\))/,
    );
    expect(lines.at(-1)).toBe('1 passed, 1 failed');
    // A hang guard: under a CPU hog (load ~20) this took 78 s, the default being 120 s.
  }, 240_000);
});
