// Work written offline is not lost: a hand-in that cannot be sent waits here (localStorage,
// per user) with the Idempotency-Key it was first tried with, and is sent again when the
// browser is back online or the app opens. The key makes a repeat the same hand-in (the
// tasks service answers the first result again), so it arrives exactly once.
import { reactive } from 'vue'
import { api, ApiError } from './client'
import { session } from './session'

export interface Pending {
  key: string
  taskId: string
  taskTitle: string
  body: unknown
  savedAt: string
}

const KEY = 'xbt.outbox'

function load(): Pending[] {
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? '[]') as Pending[]
  } catch {
    return []
  }
}

export const outbox = reactive<{ items: Pending[]; sending: boolean }>({ items: load(), sending: false })

function store(): void {
  localStorage.setItem(KEY, JSON.stringify(outbox.items))
}

export function newKey(): string {
  return crypto.randomUUID()
}

export function keep(item: Pending): void {
  outbox.items = [...outbox.items.filter((p) => p.key !== item.key), item]
  store()
}

export function pendingFor(taskId: string): Pending | undefined {
  return outbox.items.find((p) => p.taskId === taskId)
}

export async function handIn(taskId: string, body: unknown, key: string): Promise<unknown> {
  return api(`tasks/v1/tasks/${encodeURIComponent(taskId)}/submissions`, {
    method: 'POST',
    body,
    headers: { 'Idempotency-Key': key },
  })
}

/** Send what waits; keep what still cannot go (offline), drop what the service refused. */
export async function flush(): Promise<string[]> {
  if (outbox.sending || !session.tokens || outbox.items.length === 0) return []
  outbox.sending = true
  const refused: string[] = []
  try {
    for (const item of [...outbox.items]) {
      try {
        await handIn(item.taskId, item.body, item.key)
      } catch (e) {
        if (e instanceof ApiError && (e.offline || e.status >= 500 || e.status === 429)) break
        refused.push(`${item.taskTitle}: ${e instanceof Error ? e.message : ''}`)
      }
      outbox.items = outbox.items.filter((p) => p.key !== item.key)
      store()
    }
  } finally {
    outbox.sending = false
  }
  return refused
}

export function startOutbox(): void {
  window.addEventListener('online', () => void flush())
  void flush()
}
