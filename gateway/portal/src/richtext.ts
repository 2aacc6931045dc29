// A lesson plan's body as HTML safe to show: Markdown through markdown-it (raw HTML in it
// is text), HTML as the catalog stored it (sanitised there); both through DOMPurify here as
// well, so the page never trusts what it did not make. Headings move one level down (the
// page's title is the h1), and a table scrolls sideways in a region of its own on a phone.
// Only the plan page imports it: markdown-it and DOMPurify stay out of the other pages.
import DOMPurify from 'dompurify'
import MarkdownIt from 'markdown-it'

const markdown = new MarkdownIt({ html: false, linkify: false, breaks: true })

// Tags a body has no use for: forms and embedded content.
const FORBID_TAGS = ['style', 'form', 'input', 'button', 'select', 'textarea', 'iframe', 'object', 'embed', 'svg', 'math']

let hooked = false
function hook(): void {
  if (hooked) return
  hooked = true
  // Links leave the portal in a new tab without handing it the opener.
  DOMPurify.addHook('afterSanitizeAttributes', (node) => {
    if (node instanceof HTMLAnchorElement && node.hasAttribute('href')) {
      node.setAttribute('target', '_blank')
      node.setAttribute('rel', 'noopener noreferrer nofollow')
    }
  })
}

function lowerHeadings(root: DocumentFragment): void {
  for (const h of Array.from(root.querySelectorAll('h1, h2, h3, h4, h5'))) {
    const lower = document.createElement(`h${Number(h.tagName[1]) + 1}`)
    lower.append(...Array.from(h.childNodes))
    h.replaceWith(lower)
  }
}

function scrollTables(root: DocumentFragment, tableLabel: string): void {
  for (const table of Array.from(root.querySelectorAll('table'))) {
    const region = document.createElement('div')
    region.className = 'table-scroll'
    region.setAttribute('role', 'region')
    region.setAttribute('aria-label', tableLabel)
    region.tabIndex = 0 // a scrolling box is reached and scrolled by keyboard too
    table.replaceWith(region)
    region.append(table)
  }
}

/** The body as sanitised HTML; `tableLabel` names each table's scrolling region. */
export function bodyHtml(body: string, format: 'markdown' | 'html', tableLabel: string): string {
  hook()
  const html = format === 'markdown' ? markdown.render(body) : body
  const fragment = DOMPurify.sanitize(html, { RETURN_DOM_FRAGMENT: true, FORBID_TAGS, FORBID_ATTR: ['style'] })
  lowerHeadings(fragment)
  scrollTables(fragment, tableLabel)
  const box = document.createElement('div')
  box.append(fragment)
  return box.innerHTML
}
