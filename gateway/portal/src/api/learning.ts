import { cachedRead, type Cached } from './cached'
import type { TvSlot } from './library'

export type { TvSlot }

export type PupilState = 'to_do' | 'submitted' | 'returned' | 'marked' | 'overdue'

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
  late?: boolean
  score?: number
}

export interface MyTasks {
  groups: Record<PupilState, MyTask[]>
  counts: Record<PupilState, number>
}


export interface TvDay {
  slots: TvSlot[]
}

export function myTasks(): Promise<Cached<MyTasks>> {
  return cachedRead<MyTasks>('tasks/v1/my/tasks')
}

export function tvToday(): Promise<Cached<TvDay>> {
  return cachedRead<TvDay>('catalog/v1/tv-schedule')
}
