export interface SettingsRepository {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
  /** The stored value, or `create()`'s value stored now. Used for values generated once, like the webhook secret. */
  getOrCreate(key: string, create: () => string): string;
}
