// A stand-in for Shopify's Liquid, enough to render the theme app extension's blocks
// (extensions/loyalnest-theme/blocks/*.liquid) and the App Proxy's `application/liquid` answers
// into the storefront stand-in's theme pages (scripts/storefront.mjs). It knows the subset those
// use and nothing more: any other tag, filter or syntax is an error naming the file and line,
// never silently dropped output. A missing variable is nil, as Liquid has it.
//   Tags: if / elsif / else / endif, unless / else / endunless, comment, schema (not output).
//   Output: {{ value | filter: arg, arg }}; values are names (a.b, a['$c']), 'strings', numbers,
//   true, false, nil, blank, empty. Conditions: ==, !=, and, or (no parentheses, as in Liquid).
//   Filters: asset_url, json, escape, default, t, append, money (cents, in the shop's money
//   format), strip_html.
//   Whitespace control: {%- -%} and {{- -}}.

const TOKEN = /({%-?[\s\S]*?-?%}|{{-?[\s\S]*?-?}})/;
const WHOLE_TAG = /^{%[\s\S]*%}$/;
const WHOLE_OUTPUT = /^{{[\s\S]*}}$/;

export class LiquidError extends Error {}

/**
 * @typedef {{ assetUrl: (name: string) => string, translate: (key: string) => string, money?: (cents: number) => string }} LiquidHost
 * `assetUrl`: where the extension's asset is served; `translate`: the `t` filter (locales/*.json);
 * `money`: an amount in cents in the shop's money format (the `money` filter).
 */

/** Renders `source` with `context`'s variables; throws LiquidError on anything outside the subset. */
export function renderLiquid(source, context, host, file = "template") {
  const nodes = parse(tokenize(source, file), file);
  return renderNodes(nodes, context, host, file);
}

/** The `{% schema %}` JSON of a block (what the theme editor reads), or null when there is none. */
export function readSchema(source, file = "template") {
  const match = /{%-?\s*schema\s*-?%}([\s\S]*?){%-?\s*endschema\s*-?%}/.exec(source);
  if (!match) return null;
  try {
    return JSON.parse(match[1]);
  } catch (error) {
    throw new LiquidError(`${file}: the schema is not JSON: ${error.message}`);
  }
}

function tokenize(source, file) {
  const tokens = [];
  let line = 1;
  for (const piece of source.split(TOKEN)) {
    if (piece === "") continue;
    const at = { file, line };
    line += piece.split("\n").length - 1;
    if (WHOLE_TAG.test(piece)) tokens.push({ kind: "tag", body: piece.slice(2, -2), at, ...trims(piece) });
    else if (WHOLE_OUTPUT.test(piece)) tokens.push({ kind: "output", body: piece.slice(2, -2), at, ...trims(piece) });
    else {
      if (piece.includes("{%") || piece.includes("{{")) fail(at, `an unclosed "${piece.includes("{%") ? "{%" : "{{"}"`);
      tokens.push({ kind: "text", body: piece, at });
    }
  }
  // Whitespace control: a dash strips the whitespace on its side of the neighbouring text.
  tokens.forEach((token, i) => {
    if (token.kind === "text") return;
    if (token.trimLeft && tokens[i - 1]?.kind === "text") tokens[i - 1].body = tokens[i - 1].body.replace(/\s+$/, "");
    if (token.trimRight && tokens[i + 1]?.kind === "text") tokens[i + 1].body = tokens[i + 1].body.replace(/^\s+/, "");
    token.body = token.body.replace(/^-/, "").replace(/-$/, "").trim();
  });
  return tokens;
}

const trims = (piece) => ({ trimLeft: piece[2] === "-", trimRight: piece.at(-3) === "-" });

/** Tokens → a tree: text, output and conditional nodes. */
function parse(tokens, file) {
  let i = 0;
  function block(ends) {
    const nodes = [];
    while (i < tokens.length) {
      const token = tokens[i];
      if (token.kind === "text") {
        nodes.push(token);
        i++;
        continue;
      }
      if (token.kind === "output") {
        nodes.push({ kind: "output", expression: parseOutput(token.body, token.at), at: token.at });
        i++;
        continue;
      }
      const [name, ...rest] = token.body.split(/\s+/);
      const argument = rest.join(" ");
      if (ends.includes(name)) {
        i++;
        return { nodes, end: name, argument, at: token.at };
      }
      i++;
      if (name === "comment" || name === "schema") {
        skipUntil(`end${name}`, token.at);
        continue;
      }
      if (name === "if" || name === "unless") {
        nodes.push(conditional(name, argument, token.at));
        continue;
      }
      fail(token.at, `the tag "${name}" is not supported by the stand-in renderer`);
    }
    if (ends.length) fail(tokens.at(-1)?.at ?? { file, line: 1 }, `missing {% ${ends.at(-1)} %}`);
    return { nodes, end: null };
  }
  function skipUntil(end, at) {
    while (i < tokens.length && !(tokens[i].kind === "tag" && tokens[i].body === end)) i++;
    if (i === tokens.length) fail(at, `missing {% ${end} %}`);
    i++;
  }
  function conditional(name, argument, at) {
    const end = `end${name}`;
    const branches = [{ condition: parseCondition(argument, at), negate: name === "unless" }];
    let otherwise = null;
    for (;;) {
      const part = block(name === "if" ? ["elsif", "else", end] : ["else", end]);
      if (otherwise) otherwise.nodes = part.nodes;
      else branches.at(-1).nodes = part.nodes;
      if (part.end === end) break;
      if (otherwise) fail(part.at, `{% ${part.end} %} after {% else %}`);
      if (part.end === "elsif") branches.push({ condition: parseCondition(part.argument, part.at), negate: false });
      else otherwise = { nodes: [] };
    }
    return { kind: "if", branches, otherwise, at };
  }
  return block([]).nodes;
}

// A value: a quoted string, a number, or a name with .key and ['key'] lookups.
const VALUE = /^\s*('[^']*'|"[^"]*"|-?\d+(?:\.\d+)?|[A-Za-z_][\w-]*(?:\.[\w-]+|\[\s*(?:'[^']*'|"[^"]*")\s*\])*)\s*/;

function parseValue(text, at) {
  const match = VALUE.exec(text);
  if (!match) fail(at, `cannot read a value at "${text.trim()}"`);
  return { value: compileValue(match[1]), rest: text.slice(match[0].length) };
}

function compileValue(raw) {
  if (/^['"]/.test(raw)) return { literal: raw.slice(1, -1) };
  if (/^-?\d/.test(raw)) return { literal: Number(raw) };
  if (raw === "true" || raw === "false") return { literal: raw === "true" };
  if (raw === "nil" || raw === "null") return { literal: null };
  if (raw === "blank" || raw === "empty") return { special: raw };
  const path = [];
  for (const [, dotted, single, double] of raw.matchAll(/(?:^|\.)([\w-]+)|\[\s*(?:'([^']*)'|"([^"]*)")\s*\]/g)) path.push(dotted ?? single ?? double);
  return { path };
}

function parseOutput(body, at) {
  const { value, rest } = parseValue(body, at);
  const filters = [];
  let remaining = rest;
  while (remaining.trim() !== "") {
    const filter = /^\s*\|\s*([a-z_]+)\s*(:)?/.exec(remaining);
    if (!filter) fail(at, `cannot read "${remaining.trim()}" in {{ ${body} }}`);
    remaining = remaining.slice(filter[0].length);
    const args = [];
    if (filter[2]) {
      for (;;) {
        const parsed = parseValue(remaining, at);
        args.push(parsed.value);
        remaining = parsed.rest;
        if (!remaining.startsWith(",")) break;
        remaining = remaining.slice(1);
      }
    }
    if (!(filter[1] in FILTERS)) fail(at, `the filter "${filter[1]}" is not supported by the stand-in renderer`);
    filters.push({ name: filter[1], args });
  }
  return { value, filters };
}

/** `a == b and c` → or-groups of and-terms, evaluated as Liquid does (right to left, no precedence games needed here). */
function parseCondition(text, at) {
  const terms = [];
  let remaining = text;
  let join = null;
  for (;;) {
    const left = parseValue(remaining, at);
    remaining = left.rest;
    let term = { left: left.value };
    const operator = /^(==|!=)\s*/.exec(remaining);
    if (operator) {
      const right = parseValue(remaining.slice(operator[0].length), at);
      term = { left: left.value, operator: operator[1], right: right.value };
      remaining = right.rest;
    } else if (/^(<|>|contains)/.test(remaining)) fail(at, `the operator in "${text}" is not supported by the stand-in renderer`);
    terms.push({ join, term });
    if (remaining.trim() === "") return terms;
    const next = /^(and|or)\s+/.exec(remaining);
    if (!next) fail(at, `cannot read "${remaining.trim()}" in the condition "${text}"`);
    join = next[1];
    remaining = remaining.slice(next[0].length);
  }
}

function renderNodes(nodes, context, host, file) {
  let out = "";
  for (const node of nodes) {
    if (node.kind === "text") out += node.body;
    else if (node.kind === "output") out += outputText(applyFilters(node.expression, context, host, node.at), node.at);
    else {
      const branch = node.branches.find((b) => truthy(evaluateCondition(b.condition, context)) !== b.negate);
      const chosen = branch ?? node.otherwise;
      if (chosen) out += renderNodes(chosen.nodes, context, host, file);
    }
  }
  return out;
}

function evaluateCondition(terms, context) {
  // Liquid evaluates `a and b or c` from the right: a and (b or c).
  let result = evaluateTerm(terms.at(-1).term, context);
  for (let i = terms.length - 1; i > 0; i--) {
    const left = evaluateTerm(terms[i - 1].term, context);
    result = terms[i].join === "and" ? truthy(left) && truthy(result) : truthy(left) || truthy(result);
  }
  return result;
}

function evaluateTerm({ left, operator, right }, context) {
  if (!operator) return resolve(left, context);
  const equal = equals(left, right, context);
  return operator === "==" ? equal : !equal;
}

function equals(left, right, context) {
  const special = left.special ?? right.special;
  if (special) return isBlank(resolve(left.special ? right : left, context));
  return resolve(left, context) === resolve(right, context);
}

const isBlank = (value) => value === null || value === undefined || value === false || (typeof value === "string" && value.trim() === "") || (Array.isArray(value) && value.length === 0) || (typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 0);

// Liquid: only nil and false are falsy (an empty string is truthy).
const truthy = (value) => value !== null && value !== undefined && value !== false;

function resolve(value, context) {
  if ("literal" in value) return value.literal;
  if (value.special) return "";
  let current = context;
  for (const key of value.path) {
    if (current === null || current === undefined) return null;
    current = Object.hasOwn(Object(current), key) ? current[key] : null;
  }
  return current ?? null;
}

function applyFilters({ value, filters }, context, host, at) {
  let current = resolve(value, context);
  for (const { name, args } of filters) {
    try {
      current = FILTERS[name](current, args.map((arg) => resolve(arg, context)), host);
    } catch (error) {
      if (error instanceof LiquidError) fail(at, error.message);
      throw error;
    }
  }
  return current;
}

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

const FILTERS = {
  asset_url: (input, _args, host) => host.assetUrl(String(input)),
  // Inside <script type="application/json"> a "</script>" in a value would end the element:
  // `<`, `>` and `&` are written as \u escapes, which JSON.parse reads back unchanged.
  json: (input) => JSON.stringify(input ?? null).replace(/[<>&]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`),
  escape: (input) => toText(input).replace(/[&<>"']/g, (c) => ESCAPES[c]),
  default: (input, [fallback]) => (isBlank(input) ? fallback : input),
  t: (input, _args, host) => host.translate(String(input)),
  append: (input, [suffix]) => toText(input) + toText(suffix),
  money: (input, _args, host) => {
    if (!host.money) throw new LiquidError("money: this page has no shop money format");
    const cents = Number(input);
    if (!Number.isFinite(cents)) throw new LiquidError(`money: "${toText(input)}" is not an amount in cents`);
    return host.money(cents);
  },
  strip_html: (input) => toText(input).replace(/<!--[\s\S]*?-->|<[^>]*>/g, ""),
};

function outputText(value, at) {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) fail(at, "an object cannot be output without a filter (use | json)");
  return toText(value);
}

function toText(value) {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map(toText).join("");
  if (typeof value === "object") throw new LiquidError("an object cannot be output without a filter (use | json)");
  return String(value);
}

function fail(at, message) {
  throw new LiquidError(at ? `${at.file}:${at.line}: ${message}` : message);
}
