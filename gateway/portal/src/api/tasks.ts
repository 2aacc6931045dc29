import { api } from './client'
import type { Chapter } from './library'

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
  chapters?: Chapter[]
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
  file_ids?: string[]
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
  class_ids: string[]
  teacher_name: string | null
  instructions: string
  resources: { id: string; title: string; kind: string | null; chapters?: Chapter[] }[]
  items: TaskItem[]
  accepts: { text: boolean; files: boolean; answers: boolean }
  due_at: string | null
  allow_late: boolean
  max_attempts: number
  max_score: number
  status: 'open' | 'closed'
  phase: 'scheduled' | 'open' | 'closed'
  revision: number
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

export interface TaskSummary {
  id: string
  title: string
  class_ids: string[]
  opens_at: string
  due_at: string | null
  allow_late: boolean
  status: 'open' | 'closed'
  phase: 'scheduled' | 'open' | 'closed'
  item_count: number
  max_score: number
}

export type Stage = 'scheduled' | 'open' | 'pastDue' | 'lateAllowed' | 'closed'

/** Where a task stands for its teacher: not yet open, open, past its due time (taking late
 * work or not), or closed. */
export function stageOf(task: Pick<TaskSummary, 'phase' | 'due_at' | 'allow_late'>, now = Date.now()): Stage {
  if (task.phase !== 'open') return task.phase
  if (task.due_at && Date.parse(task.due_at) < now) return task.allow_late ? 'lateAllowed' : 'pastDue'
  return 'open'
}

export interface SubmissionRow extends Submission {
  pupil_id: string
  pupil_name: string | null
  student_no: string | null
  class_id: string
  class_name: string | null
  needs_teacher: boolean
}

/** A row of the list with everyone: a pupil of the task's classes who handed in nothing. */
export interface MissingRow extends Omit<SubmissionRow, 'state'> {
  id: null
  state: 'missing'
}

export function teacherTasks(): Promise<{ items: TaskSummary[]; total: number }> {
  return api('tasks/v1/tasks?size=50')
}

/** Every pupil of the task's classes, in the rosters' order: their work, or a `missing` row. */
export function submissions(taskId: string): Promise<(SubmissionRow | MissingRow)[]> {
  return api(`tasks/v1/tasks/${encodeURIComponent(taskId)}/submissions?include_missing=true`)
}

export function submission(taskId: string, pupilId: string): Promise<SubmissionRow> {
  return api(`tasks/v1/tasks/${encodeURIComponent(taskId)}/submissions/${encodeURIComponent(pupilId)}`)
}

export interface Review {
  attempt: number
  outcome: 'marked' | 'returned'
  score?: number
  item_points?: Record<string, number>
  comment?: string
}

export function review(taskId: string, pupilId: string, body: Review): Promise<SubmissionRow> {
  return api(`tasks/v1/tasks/${encodeURIComponent(taskId)}/submissions/${encodeURIComponent(pupilId)}/review`, {
    method: 'POST',
    body,
  })
}

// --- setting a task (teachers) ---------------------------------------------------------

export interface NewTask {
  title: string
  instructions: string
  class_ids: string[]
  resource_ids: string[]
  items: { id: string; points: number }[]
  accepts_files: boolean
  due_at?: string
  max_attempts: number
}

export function createTask(body: NewTask): Promise<{ id: string }> {
  return api('tasks/v1/tasks', { method: 'POST', body })
}

export interface FoundPoint {
  id: string
  name: string
  subject: string
  stage: string
  path_text: string
}

export function findKnowledgePoints(q: string): Promise<{ items: FoundPoint[] }> {
  return api(`catalog/v1/knowledge-points?${new URLSearchParams({ q, size: '20' })}`)
}

export interface BankItem {
  id: string
  type: string
  stem: string
  difficulty: number | null
}

export function itemsOf(knowledgePoint: string): Promise<{ items: BankItem[]; total: number }> {
  return api(`catalog/v1/items?${new URLSearchParams({ knowledge_point: knowledgePoint, size: '20' })}`)
}

export function myTeaching(): Promise<{ teaching: { class_id: string; subjects: string[] }[] }> {
  return api('identity/v1/me')
}

// --- the class gradebook (teachers, school and district admins) ------------------------

export interface GradeCell {
  state: string
  timing: 'on_time' | 'late' | null
  score: number | null
  percent: number | null
}

export interface ClassGradebook {
  class: { id: string; name: string }
  tasks: { id: string; title: string; max_score: number; handed_in: number; missing: number; mean_percent: number | null }[]
  truncated: boolean
  rows: { pupil_id: string; name: string | null; student_no: string | null; cells: GradeCell[]; average_percent: number | null; missing: number }[]
}

export function classGradebook(classId: string): Promise<ClassGradebook> {
  return api(`tasks/v1/classes/${encodeURIComponent(classId)}/gradebook?limit=12`)
}

// --- questions on a task (答疑) ---------------------------------------------------------

export interface QuestionReply {
  id: string
  author_name: string | null
  role: 'teacher' | 'asker'
  text: string
  at: string
}

export interface Question {
  id: string
  asker_name: string | null
  asker_student_no: string | null
  visibility: 'class' | 'private'
  text: string
  state: 'unanswered' | 'answered' | 'resolved'
  created_at: string
  replies: QuestionReply[]
  mine: boolean
}

const questionsOf = (taskId: string): string => `tasks/v1/tasks/${encodeURIComponent(taskId)}/questions`

export function questions(taskId: string): Promise<{ items: Question[]; total: number }> {
  return api(`${questionsOf(taskId)}?size=50`)
}

export function ask(taskId: string, text: string, visibility: 'class' | 'private'): Promise<Question> {
  return api(questionsOf(taskId), {
    method: 'POST',
    body: { text, visibility },
    headers: { 'Idempotency-Key': crypto.randomUUID() },
  })
}

export function replyTo(taskId: string, questionId: string, text: string): Promise<Question> {
  return api(`${questionsOf(taskId)}/${encodeURIComponent(questionId)}/replies`, { method: 'POST', body: { text } })
}

export function resolve(taskId: string, questionId: string): Promise<Question> {
  return api(`${questionsOf(taskId)}/${encodeURIComponent(questionId)}/resolve`, { method: 'POST' })
}

// --- a pupil's files for their work -----------------------------------------------------

export interface UploadedFile {
  id: string
  filename: string
  content_type: string
  size: number
}

export function uploadWork(taskId: string, file: File): Promise<UploadedFile> {
  return api(`tasks/v1/tasks/${encodeURIComponent(taskId)}/files?filename=${encodeURIComponent(file.name)}`, {
    method: 'POST',
    raw: file,
  })
}

// --- changing a task (its teachers) -----------------------------------------------------

export interface TaskChanges {
  revision: number
  title?: string
  due_at?: string | null
  allow_late?: boolean
  max_attempts?: number
}

export function editTask(id: string, changes: TaskChanges): Promise<Task> {
  return api(`tasks/v1/tasks/${encodeURIComponent(id)}`, { method: 'PATCH', body: changes })
}

export function setOpen(id: string, open: boolean): Promise<Task> {
  return api(`tasks/v1/tasks/${encodeURIComponent(id)}/${open ? 'reopen' : 'close'}`, { method: 'POST' })
}
