import { api } from './client'
import type { TaskItem } from './tasks'

export interface KnowledgePoint {
  id: string
  name: string
  depth: number
  parent_id: string | null
  children: KnowledgePoint[]
}

export interface PracticeItem extends TaskItem {
  answered: boolean
  given?: unknown
  correct?: boolean | null
}

export interface PracticeSet {
  id: string
  subject: string | null
  progress: { total: number; answered: number; correct: number; finished: boolean }
  pool: number
  items: PracticeItem[]
}

export interface Verdict {
  item_id: string
  correct: boolean
  blanks: boolean[] | null
  answer: unknown
  explanation: string | null
  progress: PracticeSet['progress']
}

export interface PointMastery {
  knowledge_point_id: string
  answered: number
  correct: number
  mastery: number
  level: 'mastered' | 'learning' | 'weak'
}

export interface MyClass {
  id: string
  name: string
  stage: string
  grade: number
}

export const SUBJECTS = ['数学', '语文', '英语', '物理', '化学', '生物', '历史', '地理', '道德与法治']

export function knowledgePoints(subject: string, stage: string): Promise<{ tree: KnowledgePoint[] }> {
  const query = new URLSearchParams({ subject, stage })
  return api(`catalog/v1/knowledge-points?${query}`)
}

/** Depth-first, each point with its path of names ("方程与不等式 › 二元一次方程组"). */
export function flatten(tree: KnowledgePoint[], path: string[] = []): { point: KnowledgePoint; path: string }[] {
  return tree.flatMap((p) => [
    { point: p, path: [...path, p.name].join(' › ') },
    ...flatten(p.children, [...path, p.name]),
  ])
}

export function myClasses(): Promise<MyClass[]> {
  return api('identity/v1/me/classes')
}

export function startPractice(knowledgePoint: string, count = 5): Promise<PracticeSet> {
  return api('tasks/v1/practice', { method: 'POST', body: { knowledge_point: knowledgePoint, count } })
}

export function practiceSet(id: string): Promise<PracticeSet> {
  return api(`tasks/v1/practice/${encodeURIComponent(id)}`)
}

export function answer(setId: string, itemId: string, given: unknown): Promise<Verdict> {
  return api(`tasks/v1/practice/${encodeURIComponent(setId)}/answers/${encodeURIComponent(itemId)}`, {
    method: 'POST',
    body: { answer: given },
  })
}

export function mastery(subject: string, stage: string): Promise<{ knowledge_points: PointMastery[] }> {
  const query = new URLSearchParams({ subject, stage })
  return api(`tasks/v1/practice/mastery?${query}`)
}
