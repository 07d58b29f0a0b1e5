import * as z from "zod/mini";

/** Clerk's limit on first and last names, counted as Clerk counts it: UTF-16 code units (JS `length`). */
export const MAX_NAME_LENGTH = 256;

// C0 controls (NUL, TAB, CR, LF, ESC, …), DEL and C1 controls: never typed as part of a name, and CR/LF
// or ESC let a name forge log lines or terminal output wherever it is shown.
// Unicode category Cc is exactly U+0000–001F, U+007F and U+0080–009F.
const CONTROL = /\p{Cc}/u;
// Bidirectional embeddings, overrides and isolates reorder how the text around them is displayed.
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/;
// In a `u` regex a well-formed surrogate pair is one code point; only an unpaired half matches.
const LONE_SURROGATE = /\p{Cs}/u;
// Default-ignorable code points render as nothing (zero-width spaces and joiners, word joiner, BOM, soft
// hyphen, variation selectors, the Hangul filler, tag characters, …): a name made only of these and
// spaces looks blank.
const INVISIBLE_ONLY = /^[\s\p{Default_Ignorable_Code_Point}]*$/u;

/**
 * A name a person could type: trimmed, NFC-normalised, then checked, so each issue says what is wrong.
 * Normalising before counting means "é" typed as e + U+0301 counts as the one character Clerk stores.
 */
export const Name = z.string({ error: "must be a string" }).check(
  z.trim(),
  z.normalize("NFC"),
  z.refine((s) => s.length > 0, "must not be empty"),
  z.refine((s) => s.length <= MAX_NAME_LENGTH, `is too long: at most ${MAX_NAME_LENGTH} characters`),
  z.refine((s) => !CONTROL.test(s), "contains a control character"),
  z.refine((s) => !BIDI_CONTROL.test(s), "contains a bidirectional override or isolate"),
  z.refine((s) => !LONE_SURROGATE.test(s), "contains an unpaired surrogate (not valid Unicode text)"),
  z.refine((s) => s.length === 0 || !INVISIBLE_ONLY.test(s), "is made only of invisible characters"),
);
