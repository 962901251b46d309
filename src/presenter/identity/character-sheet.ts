import { drawSheet, type Sheet } from '../../product/identity/sheet.ts';
import type { NeutralPortrait } from '../types.ts';

/**
 * The character sheet: the neutral portraits side by side at one height with
 * the presenter's name under them, drawn as the product sheet is (so the two
 * read alike in the editors' page). It is what a person or a model is shown
 * as "this presenter".
 */
export function drawCharacterSheet(portraits: readonly NeutralPortrait[], name: string, out: string): Promise<Sheet> {
  return drawSheet(portraits, name, out);
}
