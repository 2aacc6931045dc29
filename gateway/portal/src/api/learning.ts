import { cachedRead, type Cached } from './cached'

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

export interface TvSlot {
  id: string
  start: string
  end: string
  grade: 9 | 12
  channel: string | null
  subject: string | null
  title: string | null
  replay_resource_id: string | null
  replay_title: string | null
  replay_url?: string | null
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
