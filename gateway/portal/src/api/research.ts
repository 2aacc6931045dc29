// 网络教研: research groups (教研组), their lesson plans (教案) with co-authors, revisions and
// comments, and publishing a plan as a teaching package (it goes to review).
import { api } from './client'

export interface Group {
  id: string
  name: string
  subject: string
  stage: string
  level: 'city' | 'district'
  district: string
  owner: string
  members: string[]
}

export interface PlanSummary {
  id: string
  group_id: string
  title: string
  subject: string
  grade: number
  author: string
  co_authors: string[]
  revision: number
  updated_at: string
  updated_by: string
  resource_id: string | null
}

export interface Plan extends PlanSummary {
  body: string
  body_format: 'markdown' | 'html'
}

export interface Revision {
  revision: number
  by: string
  at: string
  summary: string
  changed: string[]
}

export interface Comment {
  id: string
  by: string
  at: string
  text: string
}

export const groups = (): Promise<{ items: Group[] }> => api('catalog/v1/research-groups?size=50')
export const group = (id: string): Promise<Group> => api(`catalog/v1/research-groups/${encodeURIComponent(id)}`)
export const createGroup = (body: { name: string; subject: string; stage: string }): Promise<Group> =>
  api('catalog/v1/research-groups', { method: 'POST', body })
/** Replace the group's member list (its owner or an administrator; the owner stays in it). */
export const setMembers = (id: string, members: string[]): Promise<Group> =>
  api(`catalog/v1/research-groups/${encodeURIComponent(id)}/members`, { method: 'PUT', body: { members } })
export const plans = (groupId: string): Promise<{ items: PlanSummary[] }> =>
  api(`catalog/v1/research-groups/${encodeURIComponent(groupId)}/lesson-plans?size=50`)
export const createPlan = (groupId: string, body: { title: string; subject: string; grade: number; body: string }): Promise<Plan> =>
  api(`catalog/v1/research-groups/${encodeURIComponent(groupId)}/lesson-plans`, { method: 'POST', body })
export const plan = (id: string): Promise<Plan> => api(`catalog/v1/lesson-plans/${encodeURIComponent(id)}`)
export const editPlan = (id: string, body: { revision: number; body: string; summary: string }): Promise<Plan> =>
  api(`catalog/v1/lesson-plans/${encodeURIComponent(id)}`, { method: 'PUT', body })
export const revisions = (id: string): Promise<{ items: Revision[] }> =>
  api(`catalog/v1/lesson-plans/${encodeURIComponent(id)}/revisions`)
export const comments = (id: string): Promise<{ items: Comment[] }> =>
  api(`catalog/v1/lesson-plans/${encodeURIComponent(id)}/comments?size=50`)
export const comment = (id: string, text: string): Promise<Comment> =>
  api(`catalog/v1/lesson-plans/${encodeURIComponent(id)}/comments`, { method: 'POST', body: { text } })
export const publish = (id: string, description: string): Promise<{ resource: { id: string; title: string } }> =>
  api(`catalog/v1/lesson-plans/${encodeURIComponent(id)}/publish-as-resource`, { method: 'POST', body: { description } })
