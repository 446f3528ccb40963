/** A number whose doctor findings are not counted (see migrations/027): who ignored it, when and why. */
export interface IgnoredNumber {
  /** E.164. */
  number: string;
  reason: string | null;
  by: string;
  at: number;
}

export interface DoctorIgnoresRepository {
  /** Ignores the number, or updates who/why when it already is; returns the stored row. */
  ignore(entry: { number: string; reason: string | null; by: string }): IgnoredNumber;
  /** False when the number was not ignored. */
  unignore(number: string): boolean;
  get(number: string): IgnoredNumber | undefined;
  /** Every ignored number, oldest first. */
  list(): IgnoredNumber[];
}
