// Dates and times are shown in Beijing time, whatever the device's own zone.
const ZONE = 'Asia/Shanghai'

export function beijingTime(iso: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, {
    timeZone: ZONE,
    month: 'numeric',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(new Date(iso))
}

/** YYYY-MM-DD of an instant, in Beijing. */
export function beijingDay(date: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(date)
}
