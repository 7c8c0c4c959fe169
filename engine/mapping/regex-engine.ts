/**
 * JSONata regexes (`/^([a-z]+)+$/`) run on RE2 semantics through re2js, a pure-JS port of
 * RE2: matching is linear in the input, so a pattern that backtracks catastrophically in
 * JavaScript's engine (42 × "a" + "!" against `^([a-z]+)+$` takes minutes there) answers in
 * microseconds. The price is RE2's syntax: no backreferences (`\1`), no lookaround
 * (`(?=`, `(?!`, `(?<=`, `(?<!`), repeat counts up to 1000; `mapsync validate` reports such a
 * pattern at its position ({@link unsupportedRegex}) instead of letting it fail at run time.
 *
 * JSONata builds `new RegexEngine(regexp)` from the AST's RegExp (flags `g` plus the written
 * `i`/`m`), sets `lastIndex` and calls `exec(string)` expecting a RegExpExecArray: `[0]`,
 * the groups, `index`. That is all this class offers.
 */
import { RE2JS } from 're2js';

/** The RE2 program for a JavaScript-syntax RegExp; throws when RE2 cannot run it. */
function compileLinear(regexp: RegExp): RE2JS {
  // translateRegExp turns JS-only spellings (`\u{…}`, `(?<name>`, the i/m flags) into RE2's.
  return RE2JS.compile(RE2JS.translateRegExp(regexp));
}

/** Why RE2 cannot run this pattern, in a sentence; undefined when it can. */
export function unsupportedRegex(regexp: RegExp): string | undefined {
  try {
    compileLinear(regexp);
    return undefined;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return `/${regexp.source}/ cannot run on the linear-time regex engine (RE2 syntax: no backreferences, no lookahead or lookbehind, repeat counts up to 1000): ${detail}`;
  }
}

/** The exec result JSONata reads: the match, its groups (undefined when unmatched), `index`. */
type ExecResult = RegExpExecArray;

/**
 * A `RegexEngine` for one compiled JSONata expression. Each class keeps its own compiled
 * programs (JSONata constructs an engine every time the regex node is evaluated), keyed by
 * the AST's RegExp object, so nothing is shared between expressions and nothing is global.
 */
export function linearRegexEngine(): RegExpConstructor {
  const programs = new WeakMap<RegExp, RE2JS>();
  class LinearRegExp {
    lastIndex = 0;
    private readonly program: RE2JS;

    constructor(regexp: RegExp) {
      let program = programs.get(regexp);
      if (!program) {
        program = compileLinear(regexp);
        programs.set(regexp, program);
      }
      this.program = program;
    }

    exec(input: string): ExecResult | null {
      const start = this.lastIndex;
      const matcher = this.program.matcher(input);
      if (start > input.length || !matcher.find(start)) {
        this.lastIndex = 0;
        return null;
      }
      const result = [input.slice(matcher.start(), matcher.end())] as unknown as ExecResult;
      for (let group = 1; group <= matcher.groupCount(); group++) {
        result.push(matcher.group(group) ?? (undefined as unknown as string));
      }
      result.index = matcher.start();
      result.input = input;
      // Like a global JavaScript RegExp: the next search starts where this match ended (JSONata
      // itself refuses a zero-length match that would never progress, D1004).
      this.lastIndex = matcher.end();
      return result;
    }
  }
  return LinearRegExp as unknown as RegExpConstructor;
}
