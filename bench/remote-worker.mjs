// workerd: the signing, parsing and whole-call groups behind a fetch handler. `?op=list` checks every contestant
// and lists them; `?op=batch&group=G&i=I&n=N` runs contestant I of group G N times. Timing happens in
// the host, since workerd's clocks stand still while a request runs.
/* global __DOCS__ */
import { callGroup, init, parsingGroups, signingGroups } from './groups.mjs'

let groups
export default {
  async fetch(request) {
    try {
      if (!groups) {
        await init()
        groups = {}
        for (const [kind, g] of [
          ['signing', signingGroups()],
          ['parsing', parsingGroups(__DOCS__)],
          ['call', callGroup(Object.values(__DOCS__)[1])],
        ])
          for (const [label, v] of Object.entries(g)) groups[`${kind}: ${label}`] = v.contestants
      }
      const q = new URL(request.url).searchParams
      if (q.get('op') == 'list') {
        for (const list of Object.values(groups))
          for (const c of list) if (c.verify) await c.verify()
        const version = navigator.userAgent
        return Response.json({
          version,
          groups: Object.fromEntries(
            Object.entries(groups).map(([k, v]) => [k, v.map((c) => [c.name, c.kind])]),
          ),
        })
      }
      const c = groups[q.get('group')][+q.get('i')]
      for (let i = 0, n = +q.get('n'); i < n; i++) await c.run()
      return Response.json({ ok: true })
    } catch (e) {
      return new Response(String(e?.stack ?? e), { status: 500 })
    }
  },
}
