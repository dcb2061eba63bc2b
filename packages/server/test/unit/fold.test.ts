import { describe, expect, it } from 'vitest';
import { foldForSearch } from '../../src/lib/text/fold.js';

describe('foldForSearch', () => {
  it.each([
    ['كتاب', 'کتاب'], // Arabic kaf vs Persian keheh
    ['مدرسة', 'مدرسه'], // teh marbuta vs heh
    ['علي', 'علی'], // Arabic yeh vs Persian yeh
    ['مصطفى', 'مصطفی'], // alef maksura
    ['أحمد', 'احمد'], // hamza above
    ['إسلام', 'اسلام'], // hamza below
    ['آب', 'اب'], // madda
    ['مُحَمَّد', 'محمد'], // tashkeel
    ['كـــتاب', 'کتاب'], // tatweel
    ['می‌خواهم', 'میخواهم'], // ZWNJ joins
    ['۱۲۳', '123'], // Persian digits
    ['١٢٣', '123'], // Arabic-Indic digits
    ['ﻛﺘﺎﺏ', 'کتاب'], // presentation forms
    ['Café', 'cafe'], // Latin accents and case
    ['HELLO', 'hello'],
  ])('%s folds like %s', (a, b) => {
    expect(foldForSearch(a)).toBe(foldForSearch(b));
  });

  it('keeps different words different', () => {
    expect(foldForSearch('کتاب')).not.toBe(foldForSearch('کباب'));
    expect(foldForSearch('hello')).toBe('hello');
  });
});
