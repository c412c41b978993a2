/**
 * Reset times as the CLIs print them, turned into instants. Screens show a wall-clock time
 * ("7:53pm (UTC)", "7:42 PM", "Dec 3rd, 2026 12:16 AM", "8:19 PM UTC") or a duration ("in 3 hours",
 * "2h 59m"); either needs the moment the screen was read (`now`) and, for a clock time without a
 * zone, the zone the CLI runs in (default: this process's, the same box as the agent).
 */

export interface ClockTime {
  hour: number;
  minute: number;
  /** 1-12 */
  month?: number;
  day?: number;
  year?: number;
  /** An IANA zone, "UTC"/"GMT", "GMT+2", or a US abbreviation (EST, PDT, ...). */
  zone?: string;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

export function monthNumber(name: string): number | undefined {
  const i = MONTHS.indexOf(name.slice(0, 3).toLowerCase());
  return i >= 0 ? i + 1 : undefined;
}

/** Hours 1-12 and an am/pm marker as a 0-23 hour. */
export function hour24(hour: number, meridiem: string): number {
  const pm = /^p/i.test(meridiem);
  return (hour % 12) + (pm ? 12 : 0);
}

const US_ZONES: Record<string, number> = { EST: -300, EDT: -240, CST: -360, CDT: -300, MST: -420, MDT: -360, PST: -480, PDT: -420, AKST: -540, AKDT: -480, HST: -600 };

/** A zone as either a fixed offset (minutes east of UTC) or an IANA name Intl knows; undefined if neither. */
function resolveZone(zone: string): { offset: number } | { iana: string } | undefined {
  const z = zone.trim();
  if (/^(UTC|GMT|Z)$/i.test(z)) return { offset: 0 };
  const m = /^(?:UTC|GMT)([+-])(\d{1,2})(?::?(\d{2}))?$/i.exec(z);
  if (m) return { offset: (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0)) };
  const us = US_ZONES[z.toUpperCase()];
  if (us !== undefined) return { offset: us };
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: z });
    return { iana: z };
  } catch {
    return undefined;
  }
}

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

/** The wall clock of `instant` in an IANA zone. */
function wallClock(instant: number, iana: string): Parts {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: iana, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' }).formatToParts(new Date(instant));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? NaN);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour') % 24, minute: get('minute') };
}

/** Minutes east of UTC of a zone at an instant. */
function offsetAt(zone: { offset: number } | { iana: string }, instant: number): number {
  if ('offset' in zone) return zone.offset;
  const w = wallClock(instant, zone.iana);
  return Math.round((Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) - Math.floor(instant / 60_000) * 60_000) / 60_000);
}

/** The instant a wall-clock time names in a zone (DST gaps resolve forward). */
function instantOf(p: Parts, zone: { offset: number } | { iana: string }): number {
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
  let t = asUtc - offsetAt(zone, asUtc) * 60_000;
  t = asUtc - offsetAt(zone, t) * 60_000;
  return t;
}

/** This process's zone (where gt and, on one box, the agents run). */
export function localZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/**
 * The instant a clock time on a screen refers to, read at `now`: a time without a date is its
 * next occurrence (a reset is never in the past; a minute of slack covers the capture delay); a
 * date without a year is its nearest future occurrence.
 */
export function resolveClockTime(t: ClockTime, now: number, defaultZone: string = localZone()): number | undefined {
  if (t.hour < 0 || t.hour > 23 || t.minute < 0 || t.minute > 59) return undefined;
  const zone = resolveZone(t.zone ?? defaultZone) ?? resolveZone(defaultZone);
  if (!zone) return undefined;
  const today = 'iana' in zone ? wallClock(now, zone.iana) : wallClock(now + zone.offset * 60_000, 'UTC');
  const slack = 60_000;
  if (t.month === undefined || t.day === undefined) {
    let at = instantOf({ ...today, hour: t.hour, minute: t.minute }, zone);
    if (at < now - slack) {
      // Tomorrow in that zone: step the calendar day, not 24 h (DST days are 23 or 25 h).
      const next = new Date(Date.UTC(today.year, today.month - 1, today.day + 1));
      at = instantOf({ year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate(), hour: t.hour, minute: t.minute }, zone);
    }
    return at;
  }
  if (t.month < 1 || t.month > 12 || t.day < 1 || t.day > 31) return undefined;
  if (t.year !== undefined) return instantOf({ year: t.year, month: t.month, day: t.day, hour: t.hour, minute: t.minute }, zone);
  let at = instantOf({ year: today.year, month: t.month, day: t.day, hour: t.hour, minute: t.minute }, zone);
  if (at < now - 86_400_000) at = instantOf({ year: today.year + 1, month: t.month, day: t.day, hour: t.hour, minute: t.minute }, zone);
  return at;
}

const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 };

/**
 * A duration as the CLIs write it: "3 hours", "2 days 4 hours", "1 hour 5 minutes", "2h 59m",
 * "45s", "less than a minute". Undefined when nothing in it is a duration.
 */
export function parseDuration(text: string): number | undefined {
  if (/less than a minute/i.test(text)) return 30_000;
  let total = 0;
  let found = false;
  const re = /(\d+(?:\.\d+)?)\s*(d(?:ays?)?|h(?:ours?|rs?)?|m(?:in(?:ute)?s?)?|s(?:ec(?:ond)?s?)?)\b/gi;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * UNIT_MS[m[2]![0]!.toLowerCase()]!;
    found = true;
  }
  return found ? total : undefined;
}
