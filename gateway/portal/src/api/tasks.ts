import { api } from './client'

export interface Option {
  key: string
  text: string
}

export interface TaskItem {
  id: string
  type: 'single' | 'multiple' | 'true_false' | 'fill' | 'short'
  stem: string
  options: Option[]
  points: number
  answer?: unknown
  explanation?: string | null
}

export interface Marking {
  items: Record<string, { correct: boolean; points: number }>
  score: number
  max: number
  pending: string[]
}

export interface Attempt {
  n: number
  text: string | null
  answers: Record<string, unknown>
  submitted_at: string
  late: boolean
  marking: Marking | null
}

export interface Submission {
  state: 'submitted' | 'returned' | 'marked'
  attempt_count: number
  submitted_at: string
  late: boolean
  auto_score: number | null
  score: number | null
  comment: string | null
  max_score: number
  attempts?: Attempt[]
}

export interface Task {
  id: string
  title: string
  teacher_name: string | null
  instructions: string
  resources: { id: string; title: string; kind: string | null }[]
  items: TaskItem[]
  accepts: { text: boolean; files: boolean; answers: boolean }
  due_at: string | null
  allow_late: boolean
  max_attempts: number
  max_score: number
  status: 'open' | 'closed'
  my_state?: 'to_do' | 'submitted' | 'returned' | 'marked' | 'overdue'
  my_submission?: Submission
}

export function task(id: string): Promise<Task> {
  return api<Task>(`tasks/v1/tasks/${encodeURIComponent(id)}`)
}

/** How many blanks a fill-in stem has (runs of underscores, half- or full-width). */
export function blanks(stem: string): number {
  return Math.max(1, (stem.match(/[_＿]{2,}/g) ?? []).length)
}
