import { performance } from 'node:perf_hooks';
import { parseSmsCommand } from '../src/slack/listeners/commands/parseCommand.js';
import { fmt, machineLine, numberOption, out, table } from './load.js';

/**
 * Parser benchmark: `/sms` commands of 40,000 characters in hostile shapes (Slack caps a command's text at about
 * 4,000 characters, but the parser must not be the weak point if something else sends more), each parsed against a
 * baseline measured in the same run on the same text: a plain whitespace split, the least any parser does.
 * The figure that matters is the worst time of one parse (target: well under 50 ms) and that the ratio to the split
 * stays flat as the text grows (linear, no backtracking).
 */
const LENGTH = numberOption('length', 40_000);
const ROUNDS = numberOption('rounds', 20);
const UUID = 'a558d635-66e0-4c64-9d3b-2f5c1e7a8b90';

const fill = (prefix: string, unit: string, suffix = '') =>
  `${prefix}${unit.repeat(Math.max(0, Math.ceil((LENGTH - prefix.length - suffix.length) / unit.length)))}${suffix}`.slice(
    0,
    Math.max(LENGTH, prefix.length + suffix.length),
  );

const shapes: Array<[string, string]> = [
  ['long URL, many spaces', fill('route set default https://pbx.example.com:8887/emc/', 'Wavix - US ', `/${UUID} #sms-inbox`)],
  ['URL, spaces then no /', fill('route set default https://pbx.example.com:8887/emc/x', ' a')],
  ['many # after a URL', fill(`route set default https://pbx.example.com/emc/W/${UUID} `, '#')],
  ['many < (no >)', fill('route set default ', '<')],
  ['many <https: (no >)', fill('route set default ', '<https:')],
  ['many <#C1|x> refs', fill('route set default ', '<#C0INBOX01|x> ')],
  ['scheme-less ://', fill('route set default ', 'a', '://x')],
  ['many & entities', fill('webhook set default https://x.example/', '&amp;lt;')],
  ['one huge word', fill('senderid status ', 'x')],
  ['many words', fill('senderid reject Acme ', 'w ')],
];

function timeOf(run: () => unknown): { median: number; worst: number; mean: number } {
  run(); // warm-up (JIT)
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  const sorted = [...times].sort((a, b) => a - b);
  return {
    median: sorted[Math.floor(sorted.length / 2)] ?? Number.NaN,
    worst: sorted.at(-1) ?? Number.NaN,
    mean: times.reduce((a, b) => a + b, 0) / times.length,
  };
}

out(machineLine());
out(`${shapes.length} shapes of ${LENGTH.toLocaleString('en')} characters, ${ROUNDS} rounds each after a warm-up`);
out();
const rows: string[][] = [];
let worstParse = 0;
for (const [name, text] of shapes) {
  const parse = timeOf(() => parseSmsCommand(text));
  const split = timeOf(() => text.split(/\s+/).filter(Boolean));
  worstParse = Math.max(worstParse, parse.worst);
  rows.push([
    name,
    String(text.length),
    fmt(parse.median, 3),
    fmt(parse.worst, 3),
    fmt(split.median, 3),
    fmt(parse.median / Math.max(split.median, 0.001), 1),
  ]);
}
out(table(['shape', 'chars', 'parse median ms', 'parse worst ms', 'split median ms', 'ratio'], rows));
out();
out(`worst single parse: ${fmt(worstParse, 3)} ms (target: well under 50 ms; the worst includes GC pauses and a busy machine)`);
