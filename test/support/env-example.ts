// What an untouched `cp .env.example .env` holds, and the hint the functions and `npm start` give for its
// Supabase URL placeholder: the configuration tests of the functions and of `npm start` read both.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseEnv } from "node:util";

export const ROOT = resolve(import.meta.dirname, "../..");

export const EXAMPLE = parseEnv(readFileSync(resolve(ROOT, ".env.example"), "utf8")) as Record<
  string,
  string
>;

export const SUPABASE_URL_HINT = "SUPABASE_URL must be your project URL, like https://<ref>.supabase.co";
