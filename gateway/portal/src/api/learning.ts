import { cachedRead, type Cached } from './cached'
import type { TvSlot } from './library'

export type { TvSlot }

export type PupilState = 'to_do' | 'submitted' | 'returned' | 'marked' | 'overdue'
/** Where a task stands in the pupil's list: the service's `status` filter values. */
export type ListStatus = 'due_today' | 'todo' | 'overdue' | 'done'

export interface MyTask {
  id: string
  kind: string
  title: string
  teacher_name: string | null
  opens_at: string
  due_at: string | null
  max_score: number
  item_count: number
  resource_count: number
  state: PupilState
  list_status: ListStatus
  late?: boolean
  score?: number
}

/** One page of the pupil's tasks in the list's order: due today, to do, overdue (each by
 * due time), then done ones, most recently handed in first. */
export interface MyTasks {
  items: MyTask[]
  total: number
  by_status: Record<ListStatus, number>
}


export interface TvDay {
  slots: TvSlot[]
}

/** The first page of the list: everything still to do comes before what is done. */
export function myTasks(): Promise<Cached<MyTasks>> {
  return cachedRead<MyTasks>('tasks/v1/my/tasks?size=50')
}

export function tvToday(): Promise<Cached<TvDay>> {
  return cachedRead<TvDay>('catalog/v1/tv-schedule')
}
