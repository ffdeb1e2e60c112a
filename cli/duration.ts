// Share lifetimes as the CLI's --expires spells them: "7d", "12h", "30m", "90s" or plain seconds.
import { InvalidArgumentError } from "commander";

const UNITS = { d: 86400, h: 3600, m: 60, s: 1 } as const;

export function parseDuration(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!match) throw new InvalidArgumentError('use a number with s, m, h or d, e.g. "7d" or "12h".');
  return Number(match[1]) * (match[2] === "" ? 1 : UNITS[match[2] as keyof typeof UNITS]);
}

/** `seconds` in the largest unit that holds it exactly, as --expires takes it: 86400 is "1d", 5400 is "90m". */
export function formatDuration(seconds: number): string {
  const [unit, size] = Object.entries(UNITS).find(([, size]) => seconds % size === 0) ?? ["s", 1];
  return `${seconds / size}${unit}`;
}
