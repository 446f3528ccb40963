import { describe, expect, it } from 'vitest';
import { countSmsSegments, describeSmsSegments, encodingReason, visibleCharacter } from '../../src/core/model/smsSegments.js';

const gsm = (n: number) => 'a'.repeat(n);
const ucs = (n: number) => 'я'.repeat(n);

describe('countSmsSegments: GSM-7', () => {
  it.each([
    [0, 1],
    [1, 1],
    [160, 1],
    [161, 2],
    [306, 2],
    [307, 3],
    [459, 3],
    [460, 4],
  ])('%i plain characters take %i segment(s)', (length, segments) => {
    const result = countSmsSegments(gsm(length));
    expect(result).toMatchObject({ encoding: 'GSM-7', segments, units: length, nonGsmCharacters: [] });
  });

  it('reports the room per segment: 160 alone, 153 when concatenated', () => {
    expect(countSmsSegments(gsm(160)).unitsPerSegment).toBe(160);
    expect(countSmsSegments(gsm(161)).unitsPerSegment).toBe(153);
  });

  it('counts every character of the default alphabet as one septet, Greek capitals and newlines included', () => {
    const alphabet = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ÄÖÑÜ§¿äöñüà';
    expect(countSmsSegments(alphabet)).toMatchObject({ encoding: 'GSM-7', units: alphabet.length });
  });

  it('counts each extension character as two septets', () => {
    expect(countSmsSegments('€')).toMatchObject({ encoding: 'GSM-7', units: 2, segments: 1 });
    expect(countSmsSegments('^{}\\[~]|€\f')).toMatchObject({ encoding: 'GSM-7', units: 20 });
  });

  it('fits 80 extension characters in one segment, not 81', () => {
    expect(countSmsSegments('€'.repeat(80))).toMatchObject({ units: 160, segments: 1 });
    expect(countSmsSegments('€'.repeat(81))).toMatchObject({ units: 162, segments: 2 });
  });

  it('makes 159 septets plus one extension character two segments', () => {
    expect(countSmsSegments(`${gsm(159)}€`)).toMatchObject({ units: 161, segments: 2 });
    expect(countSmsSegments(`${gsm(158)}€`)).toMatchObject({ units: 160, segments: 1 });
  });

  it('never splits an escape pair across a part boundary: it moves whole into the next part', () => {
    // 152 septets, then € at septets 153-154: the pair would straddle the boundary, so part 1 ends at 152 septets.
    // 152 + 2 + 152 = 306 septets fit two parts by arithmetic, but need three once the pair is kept whole.
    expect(countSmsSegments(`${gsm(152)}€${gsm(152)}`)).toMatchObject({ units: 306, segments: 3 });
    // 151 + 2 lands exactly on the boundary: nothing moves.
    expect(countSmsSegments(`${gsm(151)}€${gsm(153)}`)).toMatchObject({ units: 306, segments: 2 });
  });

  it('treats straight quotes as GSM-7', () => {
    expect(countSmsSegments(`It's "fine"`).encoding).toBe('GSM-7');
  });
});

describe('countSmsSegments: UCS-2', () => {
  it.each([
    [1, 1],
    [70, 1],
    [71, 2],
    [134, 2],
    [135, 3],
    [201, 3],
    [202, 4],
  ])('%i non-GSM characters take %i segment(s)', (length, segments) => {
    expect(countSmsSegments(ucs(length))).toMatchObject({ encoding: 'UCS-2', segments, units: length });
  });

  it('reports the room per segment: 70 alone, 67 when concatenated', () => {
    expect(countSmsSegments(ucs(70)).unitsPerSegment).toBe(70);
    expect(countSmsSegments(ucs(71)).unitsPerSegment).toBe(67);
  });

  it('switches the whole message to UCS-2 for one curly quote', () => {
    const result = countSmsSegments(`${gsm(100)}’`);
    expect(result).toMatchObject({ encoding: 'UCS-2', units: 101, segments: 2, nonGsmCharacters: ['’'] });
  });

  it('counts an extension character as one code unit once the message is UCS-2', () => {
    expect(countSmsSegments('€’')).toMatchObject({ encoding: 'UCS-2', units: 2 });
  });

  it('counts an emoji (a surrogate pair) as two code units', () => {
    expect(countSmsSegments('😀')).toMatchObject({ encoding: 'UCS-2', units: 2, segments: 1 });
    expect(countSmsSegments('😀'.repeat(35))).toMatchObject({ units: 70, segments: 1 });
    expect(countSmsSegments('😀'.repeat(36))).toMatchObject({ units: 72, segments: 2 });
  });

  it('never splits a surrogate pair across a part boundary', () => {
    // 66 units then an emoji at units 67-68: the pair moves whole, so 66 + 2 + 66 = 134 units need three parts.
    expect(countSmsSegments(`${ucs(66)}😀${ucs(66)}`)).toMatchObject({ units: 134, segments: 3 });
    expect(countSmsSegments(`${ucs(65)}😀${ucs(67)}`)).toMatchObject({ units: 134, segments: 2 });
  });
});

describe('the reason for UCS-2', () => {
  it('names the first non-GSM characters, each once, at most three', () => {
    const result = countSmsSegments('“Hi” – it’s ok ’’ 😀');
    expect(result.nonGsmCharacters).toEqual(['“', '”', '–']);
    expect(encodingReason(result)).toBe('UCS-2 because of “, ”, –');
  });

  it('shows invisible characters by code point', () => {
    expect(visibleCharacter('\u00a0')).toBe('U+00A0');
    expect(visibleCharacter('\u200d')).toBe('U+200D');
    expect(visibleCharacter('\t')).toBe('U+0009');
    expect(encodingReason(countSmsSegments('a\u00a0b'))).toBe('UCS-2 because of U+00A0');
  });

  it('names an emoji whole, as a person sees it, not the code points it is made of', () => {
    // A thumbs-up with its skin tone, a family joined by zero-width joiners, a heart with its variation selector.
    const result = countSmsSegments('ok 👍🏽 👨‍👩‍👧 ❤️');
    expect(encodingReason(result)).toBe('UCS-2 because of 👍🏽, 👨‍👩‍👧, ❤️');
    // An invisible one riding on a letter is still named by its code point.
    expect(encodingReason(countSmsSegments('a\u200db'))).toBe('UCS-2 because of U+200D');
  });

  it('says GSM-7 plainly when nothing forced UCS-2', () => {
    expect(encodingReason(countSmsSegments('hello'))).toBe('GSM-7');
  });
});

describe('describeSmsSegments', () => {
  it('reads as the line shown beside a reply', () => {
    expect(describeSmsSegments(countSmsSegments('hello'))).toBe('1 segment, GSM-7');
    expect(describeSmsSegments(countSmsSegments(`${gsm(80)}’`))).toBe(
      "2 segments, UCS-2 because of ’ (1 segment with plain ' instead)",
    );
  });

  it('says what the typographic punctuation an editor puts in costs: the segments with plain quotes, dashes, dots, spaces', () => {
    // Slack's composer on macOS/iOS substitutes smart quotes and dashes: 158 letters and two ’ are 3 UCS-2 segments, 1 plain.
    expect(describeSmsSegments(countSmsSegments(`${gsm(158)}’’`))).toBe(
      "3 segments, UCS-2 because of ’ (1 segment with plain ' instead)",
    );
    expect(describeSmsSegments(countSmsSegments(`“We’ll call” — soon… ${gsm(60)}`))).toBe(
      '2 segments, UCS-2 because of “, ’, ” (1 segment with plain " and \' and - and ... instead)',
    );
    // An ellipsis is three septets: 69 letters and … are 1 UCS-2 segment, and would be 1 GSM-7 too: nothing said.
    expect(describeSmsSegments(countSmsSegments(`${gsm(69)}…`))).toBe('1 segment, UCS-2 because of …');
    expect(describeSmsSegments(countSmsSegments(`a\u00A0b ${gsm(80)}`))).toBe(
      '2 segments, UCS-2 because of U+00A0 (1 segment with plain spaces instead)',
    );
  });

  it('says nothing more when the text is UCS-2 for other characters too (a letter, an emoji)', () => {
    expect(describeSmsSegments(countSmsSegments(`Привет’ ${gsm(80)}`))).toBe('2 segments, UCS-2 because of П, р, и');
    expect(describeSmsSegments(countSmsSegments(`Thanks’ 👍 ${gsm(80)}`))).toBe('2 segments, UCS-2 because of ’, 👍');
  });
});
