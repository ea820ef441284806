/** Lists and maps are JSON text columns on both dialects. */
export function toJson(value: unknown): string {
  return JSON.stringify(value);
}

export function fromJson<T>(text: string): T {
  return JSON.parse(text) as T;
}

export const toBool = (value: boolean): number => (value ? 1 : 0);
export const fromBool = (value: number): boolean => value !== 0;
export const toMs = (date: Date): number => date.getTime();
export const fromMs = (ms: number): Date => new Date(ms);
export const toMsOrNull = (date: Date | null): number | null => (date === null ? null : date.getTime());
export const fromMsOrNull = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));
