import { createRouter, createWebHistory, type RouteLocationNormalized } from 'vue-router'
import { hasRole, isSignedIn, session } from './api/session'

// Pages load on first visit, so the login page carries none of the others.
export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/login', name: 'login', component: () => import('./pages/LoginPage.vue'), meta: { public: true } },
    { path: '/password', name: 'password', component: () => import('./pages/PasswordPage.vue') },
    { path: '/', name: 'home', component: () => import('./pages/HomePage.vue') },
    { path: '/tasks/:id', name: 'task', component: () => import('./pages/TaskPage.vue') },
    { path: '/textbooks', name: 'textbooks', component: () => import('./pages/TextbooksPage.vue') },
    { path: '/textbooks/:id', name: 'textbook', component: () => import('./pages/TextbookPage.vue') },
    { path: '/chapters/:id', name: 'chapter', component: () => import('./pages/ChapterPage.vue') },
    { path: '/resources/:id', name: 'resource', component: () => import('./pages/ResourcePage.vue') },
    { path: '/explore', name: 'explore', component: () => import('./pages/ExplorePage.vue') },
    { path: '/courses/:id', name: 'course', component: () => import('./pages/CoursePage.vue') },
    { path: '/research', name: 'research', component: () => import('./pages/ResearchPage.vue') },
    { path: '/plans/:id', name: 'plan', component: () => import('./pages/PlanPage.vue') },
    { path: '/tv', name: 'tv', component: () => import('./pages/TvPage.vue') },
    { path: '/practice', name: 'practice', component: () => import('./pages/PracticePage.vue') },
    { path: '/practice/:id', name: 'practice-set', component: () => import('./pages/PracticeSetPage.vue') },
    { path: '/teach', name: 'teach', component: () => import('./pages/TeachPage.vue') },
    { path: '/teach/gradebook', name: 'gradebook', component: () => import('./pages/GradebookPage.vue') },
    { path: '/teach/new', name: 'new-task', component: () => import('./pages/NewTaskPage.vue') },
    { path: '/teach/tasks/:id', name: 'teach-task', component: () => import('./pages/TeachTaskPage.vue') },
    { path: '/admin', name: 'admin', component: () => import('./pages/AdminPage.vue') },
    { path: '/desk', name: 'desk', component: () => import('./pages/DeskPage.vue') },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
})

/** Where a signed-in person starts: pupils and guests on 今日, teachers at their tasks,
 * administrators at theirs. */
export function startPage(): string {
  if (session.info?.must_change_password) return '/password'
  if (hasRole('student', 'guest')) return '/'
  if (hasRole('teacher')) return '/teach'
  if (hasRole('school_admin', 'district_admin', 'city_admin', 'researcher')) return '/admin'
  return '/desk'
}

router.beforeEach((to: RouteLocationNormalized) => {
  if (to.meta.public) return true
  if (!isSignedIn()) return { name: 'login', query: to.fullPath === '/' ? {} : { next: to.fullPath } }
  if (session.info?.must_change_password && to.name !== 'password') return { name: 'password' }
  if (to.name === 'home' && !hasRole('student', 'guest')) return startPage()
  return true
})
