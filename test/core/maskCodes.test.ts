import { describe, expect, it } from 'vitest';
import { maskOneTimeCodes } from '../../src/core/maskCodes.js';

describe('maskOneTimeCodes', () => {
  it.each([
    ['Your verification code is 482913', 'Your verification code is ••••••'],
    ['482913 is your OTP. Do not share it.', '•••••• is your OTP. Do not share it.'],
    ['Use PIN 1234 to sign in', 'Use PIN •••• to sign in'],
    ['Your code: 123-456', 'Your code: •••-•••'],
    ['Passcode 12345678', 'Passcode ••••••••'],
    ['Votre code de vérification : 558201', 'Votre code de vérification : ••••••'],
    ['Ihr Bestätigungscode lautet 771204.', 'Ihr Bestätigungscode lautet ••••••.'],
    ['Tu código es 4021', 'Tu código es ••••'],
    ['Ваш код: 9921', 'Ваш код: ••••'],
  ])('masks %j', (text, masked) => {
    expect(maskOneTimeCodes(text)).toBe(masked);
  });

  it.each([
    'Meet at 1530 by the station', // no announcing word
    'Order 12345678 shipped', // no announcing word
    'Your code arrives soon. Invoice +14155550100 paid, total 1234.50 dollars and some more words here', // phone, amount
    'Barcode 482913', // "code" inside another word
    'Your code is 123', // too short
  ])('leaves %j alone', (text) => {
    expect(maskOneTimeCodes(text)).toBe(text);
  });
});

describe('maskOneTimeCodes, other numbers in the same message', () => {
  it('masks the code and not a number in the next sentence', () => {
    expect(maskOneTimeCodes('Your verification code is 482913. Order 5551234 ships.')).toBe(
      'Your verification code is ••••••. Order 5551234 ships.',
    );
  });
});
