/**
 * Function calls in direct.ts's closures: JSONata built-ins of one meaning on scalars, the
 * mapsync helpers bounded.ts counts as linear, and `$link` in tail position (deferred, see
 * LinkCall). Each built-in here is JSONata 2.2's own function restated for the values it
 * accepts; any other value gives up (JSONata then evaluates, fails or maps as it does).
 */
import { helpers } from '../functions/index.ts';
import { linearRegexEngine } from '../regex-engine.ts';
import { SCALAR, SIZED } from './bounded.ts';
import { bare, type Compile, type Fn, giveUp, LinkCall, type Node, text, truthy } from './direct-core.ts';

type Builtin = (args: unknown[]) => unknown;

/** JSONata's `$number` of a string: a JSON-like decimal number (hex, octal, binary: JSONata). */
const NUMERIC = /^-?[0-9]+(\.[0-9]+)?([Ee][-+]?[0-9]+)?$/;

const BUILTINS: Record<string, Builtin> = {
  string: ([v, ...more]) => (more.length > 0 ? giveUp() : v === undefined ? undefined : text(v)),
  exists: ([v, ...more]) => (more.length > 0 ? giveUp() : v !== undefined),
  not: ([v, ...more]) => (more.length > 0 || v === undefined ? giveUp() : !truthy(v)),
  boolean: ([v, ...more]) => (more.length > 0 || v === undefined ? giveUp() : truthy(v)),
  // JSONata raises it, with the expression's position.
  error: () => giveUp(),
  number: ([v, ...more]) => {
    if (more.length > 0) return giveUp();
    if (v === undefined || typeof v === 'number') return v;
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (typeof v === 'string' && NUMERIC.test(v)) {
      const n = Number.parseFloat(v);
      if (Number.isFinite(n)) return n;
    }
    return giveUp();
  },
  trim: ([v, ...more]) => {
    if (more.length > 0) return giveUp();
    if (v === undefined) return undefined;
    if (typeof v !== 'string') return giveUp();
    let result = v.replace(/[ \t\n\r]+/gm, ' ');
    if (result.charAt(0) === ' ') result = result.substring(1);
    if (result.charAt(result.length - 1) === ' ') result = result.substring(0, result.length - 1);
    return result;
  },
  // JSONata's lookup: an own field of an object (a prototype's name is nothing), on one object.
  lookup: ([o, key, ...more]) => {
    if (more.length > 0 || typeof key !== 'string') return giveUp(); // T0410 (a missing key too)
    if (o === undefined || o === null || typeof o !== 'object') return undefined;
    if (Array.isArray(o)) return giveUp(); // JSONata looks the key up in every item
    if (!Object.hasOwn(o, key)) return undefined;
    const v = (o as Record<string, unknown>)[key];
    return Array.isArray(v) || typeof v === 'function' ? giveUp() : v;
  },
  type: ([v, ...more]) => {
    if (more.length > 0) return giveUp();
    if (v === undefined) return undefined;
    if (v === null) return 'null';
    if (typeof v === 'number') return Number.isFinite(v) ? 'number' : giveUp();
    if (typeof v === 'string' || typeof v === 'boolean') return typeof v;
    if (Array.isArray(v)) return 'array';
    return typeof v === 'object' ? 'object' : giveUp();
  },
};

/** Every function name a call is compiled for (a block variable of such a name is not compiled). */
export const FUNCTION_NAMES: ReadonlySet<string> = new Set([
  ...Object.keys(BUILTINS),
  ...Object.keys(helpers),
  'contains',
  'join',
  'merge',
  // compiled by direct-seq.ts
  'append',
  'keys',
  'substringAfter',
]);

/**
 * The closure of a call, or undefined when it is not compiled here. `tail`: the call's value
 * is the expression's, so a `$link` may be deferred to the caller.
 */
export function compileCall(node: Node, compile: Compile, tail: boolean): Fn | undefined {
  const procedure = node.procedure as Node | undefined;
  const args = node.arguments as Node[] | undefined;
  if (procedure?.type !== 'variable' || !bare(procedure) || !Array.isArray(args)) return undefined;
  const name = String(procedure.value);
  if (name === 'link') return tail ? link(node, args, compile) : undefined;
  if (name === 'contains') return contains(args, compile);
  if (name === 'join') return join(args, compile);
  if (name === 'merge') return merge(args, compile);
  const compiledArgs = args.map((arg) => (isList(arg) ? undefined : compile(arg)));
  const builtin = BUILTINS[name];
  if (builtin) {
    if (compiledArgs.some((arg) => !arg)) return undefined;
    return (input, lookup) => builtin(compiledArgs.map((arg) => arg!(input, lookup)));
  }
  const helper = helpers[name];
  // Only the helpers bounded.ts counts as linear (not `$htmlToText`, which stays in a worker).
  // `$fetch` answers asynchronously, from the engine: JSONata's.
  if (!helper || name === 'fetch' || !(SCALAR.has(name) || SIZED.has(name))) return undefined;
  const params = parseSignature(helper.signature);
  if (!params || args.length > params.length) return undefined;
  // A list `[a, b]` is compiled only as an argument of a helper taking any value (`x`):
  // JSONata hands it over as the array it builds (the defined items, in order).
  const helperArgs = args.map((arg, i) =>
    isList(arg) ? (params[i]!.accepts.has('a') ? list(arg, compile) : undefined) : compiledArgs[i],
  );
  if (helperArgs.some((arg) => !arg)) return undefined;
  const implementation = helper.implementation as (...args: unknown[]) => unknown;
  return (input, lookup) => {
    const values = helperArgs.map((arg) => arg!(input, lookup));
    for (let i = 0; i < values.length; i++) {
      if (!params[i]!.accepts.has(symbolOf(values[i]))) giveUp();
    }
    // A missing optional argument is left out, as JSONata calls the helper.
    return implementation.apply(undefined as never, values);
  };
}

const isList = (node: Node) => node.type === 'unary' && node.value === '[' && bare(node, ['expressions']);

/** `[a, b]` of scalars: the defined ones (an item that is an array or an object gives up). */
function list(node: Node, compile: Compile): Fn | undefined {
  const items = (node.expressions as Node[]).map((item) => compile(item));
  if (items.some((item) => !item)) return undefined;
  return (input, lookup) => {
    const out: unknown[] = [];
    for (const item of items) {
      const v = item!(input, lookup);
      if (v === undefined) continue;
      const symbol = symbolOf(v);
      out.push(symbol === '?' || symbol === 'a' ? giveUp() : v); // JSONata flattens an array item
    }
    return out;
  };
}

/**
 * `$link('<mapping>', key)`: no call for an empty key (the helper answers nothing then);
 * a scalar or object key is deferred to the caller (LinkCall); an array gives up.
 */
function link(node: Node, args: Node[], compile: Compile): Fn | undefined {
  const [mapping, keyNode] = args;
  if (args.length !== 2 || mapping?.type !== 'string' || !bare(mapping)) return undefined;
  const key = compile(keyNode!);
  if (!key) return undefined;
  const name = String(mapping.value);
  return (input, lookup) => {
    const value = key(input, lookup);
    if (value === undefined || value === null || value === '') return undefined;
    if (Array.isArray(value)) return giveUp();
    return new LinkCall(name, value, node.position);
  };
}

/** `$contains(s, "text")` or `$contains(s, /regex/)` (the regex on the linear-time engine, as JSONata's). */
function contains(args: Node[], compile: Compile): Fn | undefined {
  if (args.length !== 2) return undefined;
  const subject = compile(args[0]!);
  const token = args[1]!;
  if (!subject) return undefined;
  let test: (s: string) => boolean;
  if ((token.type as string) === 'regex' && bare(token) && token.value instanceof RegExp) {
    let re: RegExp;
    try {
      re = new (linearRegexEngine())(token.value);
    } catch {
      return undefined; // RE2 cannot run it: validation reports it, JSONata fails
    }
    test = (s) => {
      re.lastIndex = 0;
      return re.exec(s) !== null;
    };
  } else {
    const fixed = compile(token);
    if (!fixed) return undefined;
    return (input, lookup) => {
      const s = subject(input, lookup);
      const t = fixed(input, lookup);
      if (s === undefined || t === undefined) return undefined;
      return typeof s === 'string' && typeof t === 'string' ? s.includes(t) : giveUp();
    };
  }
  return (input, lookup) => {
    const s = subject(input, lookup);
    if (s === undefined) return undefined;
    return typeof s === 'string' ? test(s) : giveUp();
  };
}

/** `$join(strings, separator?)`: a list of strings (`[a, b]`, missing items left out) or one string. */
function join(args: Node[], compile: Compile): Fn | undefined {
  if (args.length < 1 || args.length > 2) return undefined;
  const list = args[0]!;
  const separator = args[1] ? compile(args[1]) : () => '';
  if (!separator) return undefined;
  let strings: Fn;
  if (list.type === 'unary' && list.value === '[' && bare(list, ['expressions'])) {
    const items = (list.expressions as Node[]).map((item) => compile(item));
    if (items.some((item) => !item)) return undefined;
    strings = (input, lookup) => {
      const out: string[] = [];
      for (const item of items) {
        const v = item!(input, lookup);
        if (v === undefined) continue;
        out.push(typeof v === 'string' ? v : giveUp());
      }
      return out;
    };
  } else {
    const one = compile(list);
    if (!one) return undefined;
    strings = (input, lookup) => {
      const v = one(input, lookup);
      return v === undefined ? undefined : typeof v === 'string' ? [v] : giveUp();
    };
  }
  return (input, lookup) => {
    const values = strings(input, lookup) as string[] | undefined;
    const sep = separator(input, lookup);
    if (sep !== undefined && typeof sep !== 'string') return giveUp();
    return values === undefined ? undefined : values.join(sep ?? '');
  };
}

/** `$merge([a, b])`: the objects' fields, later ones winning (missing items left out). */
function merge(args: Node[], compile: Compile): Fn | undefined {
  const list = args[0];
  if (args.length !== 1 || list?.type !== 'unary' || list.value !== '[' || !bare(list, ['expressions']))
    return undefined;
  const items = (list.expressions as Node[]).map((item) => compile(item));
  if (items.some((item) => !item)) return undefined;
  return (input, lookup) => {
    const out: Record<string, unknown> = {};
    for (const item of items) {
      const v = item!(input, lookup);
      if (v === undefined) continue;
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return giveUp(); // JSONata: T0412
      Object.assign(out, v);
    }
    return out;
  };
}

/** JSONata's signature symbol of a value this compiles for: m = missing, a = an array of `list`. */
function symbolOf(value: unknown): string {
  if (value === undefined) return 'm';
  if (value === null) return 'l';
  if (typeof value === 'string') return 's';
  if (typeof value === 'number') return 'n';
  if (typeof value === 'boolean') return 'b';
  if (Array.isArray(value)) return 'a';
  return '?'; // objects, functions: JSONata checks those itself
}

/**
 * The symbols each parameter of a helper's signature accepts (`<(snl)n?:n>` → {s,n,l,m},
 * {n,m}); `x` accepts every scalar and an array. Undefined for a signature this does not
 * read. A missing value (m) is accepted, as JSONata's signature does, but only up to the
 * first optional parameter: past it, JSONata's matching may shift the arguments.
 */
function parseSignature(signature: string): Array<{ accepts: Set<string> }> | undefined {
  const match = /^<([^:]*):[^>]*>$/.exec(signature.replace(/\s+/g, ''));
  if (!match) return undefined;
  const params: Array<{ accepts: Set<string> }> = [];
  const tokens = match[1]!.match(/\([a-z]+\)\??|[a-z]\??/g) ?? [];
  if (tokens.join('') !== match[1]) return undefined;
  let mandatory = true;
  for (const token of tokens) {
    const letters = token.replace(/[()?]/g, '');
    if (/[^snblx]/.test(letters)) return undefined;
    if (token.endsWith('?')) mandatory = false;
    const accepts = new Set(letters.includes('x') ? ['s', 'n', 'b', 'l', 'a'] : letters.split(''));
    if (mandatory) accepts.add('m');
    params.push({ accepts });
  }
  return params;
}
