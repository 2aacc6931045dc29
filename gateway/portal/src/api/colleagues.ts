// Colleagues of one's district by name (identity's colleague directory): the research pages
// name group members, plan authors and commenters through it. Names are kept for the page's
// life in one small reactive map, asked for in one batched read of the ids not yet known;
// an id the directory does not know (a pupil, someone of another district) stays its id.
import { reactive } from 'vue'
import { api } from './client'
import { session } from './session'

export interface Colleague {
  user_id: string
  name: string
  roles: string[]
  school_id: string | null
  school_name: string | null
}

interface ColleaguePage {
  items: Colleague[]
  total: number
}

const MAX_IDS = 100 // what one read may name

const known = reactive(new Map<string, Colleague>())
// Ids asked for (found or not), so a name the directory lacks is not asked for again.
const asked = new Set<string>()
let owner = ''

/** The cache belongs to one signed-in person: another sign-in starts it afresh. */
function mine(): void {
  const who = `${session.info?.tenant ?? ''}:${session.info?.user_id ?? ''}`
  if (who === owner) return
  owner = who
  known.clear()
  asked.clear()
}

function keep(items: Colleague[]): void {
  for (const c of items) known.set(c.user_id, c)
}

/** Learn the names of `ids` not known yet: one read per hundred ids, none if all are known. */
export async function learnNames(ids: Iterable<string>): Promise<void> {
  mine()
  const wanted = [...new Set(ids)].filter((id) => id && !asked.has(id))
  if (!wanted.length) return
  wanted.forEach((id) => asked.add(id))
  const reads: Promise<void>[] = []
  for (let i = 0; i < wanted.length; i += MAX_IDS) {
    const chunk = wanted.slice(i, i + MAX_IDS)
    const query = new URLSearchParams({ ids: chunk.join(','), size: String(MAX_IDS) })
    reads.push(
      api<ColleaguePage>(`identity/v1/colleagues?${query}`).then(
        (page) => keep(page.items),
        () => chunk.forEach((id) => asked.delete(id)), // offline or refused: ids it is, ask later
      ),
    )
  }
  await Promise.all(reads)
}

/** The colleague's name, or the id while (or if) it is not known. */
export function nameOf(id: string): string {
  return known.get(id)?.name ?? id
}

export function colleague(id: string): Colleague | undefined {
  return known.get(id)
}

/** Colleagues whose name holds `text`, the first `size` by name. */
export async function findColleagues(text: string, size = 20): Promise<Colleague[]> {
  mine()
  const query = new URLSearchParams({ q: text, size: String(size) })
  const page = await api<ColleaguePage>(`identity/v1/colleagues?${query}`)
  keep(page.items)
  return page.items
}
