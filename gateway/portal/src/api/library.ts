// Textbooks, their chapters and resources, a resource's playable file, the TV schedule.
import { api } from './client'
import { cachedRead, type Cached } from './cached'

/** Where the last chapter opened is kept (per device), for 今日's continue reading. */
export const LAST_CHAPTER = 'xbt.lastChapter'

export interface TextbookSummary {
  id: string
  edition: string
  stage: string
  grade: number
  subject: string
  volume: string
  subtitle: string | null
  title: string
  cover_url: string | null
}

export interface TreeNode {
  id: string
  title: string
  kind: 'unit' | 'lesson'
  children: TreeNode[]
}

export interface Textbook extends TextbookSummary {
  tree: TreeNode[]
}

export interface PathStep {
  kind: string
  id: string
  title: string
}

export interface NodeView {
  id: string
  kind: string
  title: string
  textbook_id: string
  parent_id: string | null
  path: PathStep[]
  children: TreeNode[]
  textbook: TextbookSummary
}

export interface NodeLink {
  id: string
  title: string
}

export interface Chapter {
  node_id: string
  textbook: NodeLink
  unit: NodeLink | null
  lesson: NodeLink | null
}

export interface ResourceSummary {
  id: string
  owner: string
  title: string
  kind: string
  subject: string | null
  grades: number[]
  provider: { name?: string | null; level?: string }
  teacher?: { name?: string | null; school?: string | null } | null
  chapters?: Chapter[]
}

export interface Resource extends ResourceSummary {
  description: string
  media?: { format?: string; duration_s?: number | null } | null
}

export interface MediaLink {
  url: string
  expires_at: string
  content_type: string
  format: string | null
  duration_s?: number | null
}

export function textbooks(filters: { stage?: string; grade?: number; subject?: string }): Promise<TextbookSummary[]> {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(filters)) if (v !== undefined && v !== '') params.set(k, String(v))
  return api<TextbookSummary[]>(`catalog/v1/textbooks?${params}`)
}

export function textbook(id: string): Promise<Textbook> {
  return api<Textbook>(`catalog/v1/textbooks/${encodeURIComponent(id)}`)
}

/** A chapter and where it sits; kept on the device so the last one opened reads offline. */
export function chapter(nodeId: string): Promise<Cached<NodeView>> {
  return cachedRead<NodeView>(`catalog/v1/textbooks/nodes/${encodeURIComponent(nodeId)}`)
}

export function chapterResources(nodeId: string): Promise<Cached<{ items: ResourceSummary[]; total: number }>> {
  return cachedRead(`catalog/v1/resources?node=${encodeURIComponent(nodeId)}&size=50&sort=most_viewed`)
}

/** Enrichment resources (拓展资源), most viewed first, of one category or all. */
export function enrichment(category: string): Promise<{ items: ResourceSummary[]; total: number }> {
  const query = new URLSearchParams({ kind: 'enrichment', size: '20', sort: 'most_viewed' })
  if (category) query.set('category', category)
  return api(`catalog/v1/resources?${query}`)
}

export function textbookPages(id: string): Promise<MediaLink> {
  return api<MediaLink>(`catalog/v1/textbooks/${encodeURIComponent(id)}/media-link?part=read`)
}

export function resource(id: string): Promise<Resource> {
  return api<Resource>(`catalog/v1/resources/${encodeURIComponent(id)}`)
}

export function mediaLink(id: string): Promise<MediaLink> {
  return api<MediaLink>(`catalog/v1/resources/${encodeURIComponent(id)}/media-link`)
}

export function recommend(id: string, classIds: string[], note: string): Promise<unknown> {
  return api(`catalog/v1/resources/${encodeURIComponent(id)}/recommend`, {
    method: 'POST',
    body: { class_ids: classIds, note: note || undefined },
  })
}

export interface TvSlot {
  id: string
  date: string
  weekday: string
  start: string
  end: string
  grade: 9 | 12
  channel: string | null
  subject: string | null
  title: string | null
  replay_resource_id: string | null
  replay_title: string | null
}

export function tvSchedule(from: string, to: string, grade: 9 | 12): Promise<{ slots: TvSlot[] }> {
  return api(`catalog/v1/tv-schedule?from=${from}&to=${to}&grade=${grade}`, { auth: false })
}

/** The .ics feed a calendar app subscribes to (public, absolute). */
export function calendarUrl(grade: 9 | 12): string {
  return `${location.origin}/api/catalog/v1/tv-schedule/${grade}.ics`
}
