// Open-school courses (开放学堂: 空中课堂, 博学乐园) and a pupil's progress in them.
import { api } from './client'
import type { MediaLink } from './library'

export type Program = '空中课堂' | '博学乐园'

export interface CourseSummary {
  id: string
  program: Program
  title: string
  description: string
  subject_or_category: string
  grades: number[]
  teacher?: { name?: string | null } | null
  cover_url: string | null
  lesson_count: number
  duration_s: number
}

export interface Course extends CourseSummary {
  lessons: { id: string; index: number | null; title: string | null }[]
}

export interface Progress {
  started_lessons: number
  completed_lessons: number
  total_lessons: number
  percent_complete: number
  last_lesson_id: string | null
}

export interface LessonProgress {
  lesson_id: string
  position_s: number
  completed: boolean
}

export function courses(program: Program, grade?: number): Promise<{ items: CourseSummary[]; total: number }> {
  const query = new URLSearchParams({ program, size: '20' })
  if (grade) query.set('grade', String(grade))
  return api(`catalog/v1/courses?${query}`)
}

export function course(id: string): Promise<Course> {
  return api(`catalog/v1/courses/${encodeURIComponent(id)}`)
}

export function progress(id: string): Promise<Progress & { lessons: LessonProgress[] }> {
  return api(`catalog/v1/courses/${encodeURIComponent(id)}/progress`)
}

export function myCourses(): Promise<{ items: (CourseSummary & { progress: Progress })[]; total: number }> {
  return api('catalog/v1/me/courses')
}

export function lessonLink(courseId: string, lessonId: string): Promise<MediaLink> {
  return api(`catalog/v1/courses/${encodeURIComponent(courseId)}/lessons/${encodeURIComponent(lessonId)}/media-link`)
}

export function report(courseId: string, lessonId: string, position: number, completed: boolean): Promise<LessonProgress> {
  return api(`catalog/v1/courses/${encodeURIComponent(courseId)}/lessons/${encodeURIComponent(lessonId)}/progress`, {
    method: 'PUT',
    body: { position_s: Math.round(position * 10) / 10, completed },
  })
}
