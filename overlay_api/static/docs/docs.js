// Renders /openapi.json as plain HTML. Every string from the document is inserted
// as text (textContent), never as markup.
;(async () => {
  const el = (tag, text, cls) => {
    const node = document.createElement(tag)
    if (text != null) node.textContent = text
    if (cls) node.className = cls
    return node
  }
  const root = document.getElementById('api')
  const doc = await (await fetch('/openapi.json')).json()
  root.replaceChildren(el('p', doc.info.description))
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const section = el('section', null, 'op')
      section.id = (method + path).replace(/[^a-z0-9]+/gi, '-')
      const title = el('h2')
      title.append(el('span', method, 'method'), el('span', path, 'path'))
      section.append(title, el('p', op.summary + (op.security ? ' · secret key (Authorization: Bearer)' : '')))
      if (op.parameters) {
        const table = el('table')
        table.append(el('tr')).append(el('th', 'parameter'), el('th', 'in'), el('th', 'meaning'))
        for (const p of op.parameters) {
          const row = table.insertRow()
          row.append(el('td', p.name + (p.required ? ' *' : '')), el('td', p.in), el('td', p.description || JSON.stringify(p.schema)))
        }
        section.append(table)
      }
      if (op.requestBody) {
        const body = el('details')
        body.append(el('summary', 'Request body: ' + Object.keys(op.requestBody.content).join(', ')))
        body.append(el('pre', JSON.stringify(op.requestBody.content, null, 2)))
        section.append(body)
      }
      const table = el('table')
      table.append(el('tr')).append(el('th', 'status'), el('th', 'meaning'))
      for (const [status, response] of Object.entries(op.responses)) {
        const row = table.insertRow()
        row.append(el('td', status), el('td', response.description))
      }
      section.append(table)
      root.append(section)
    }
  }
  const schemas = el('details')
  schemas.append(el('summary', 'Schemas'), el('pre', JSON.stringify(doc.components.schemas, null, 2)))
  root.append(el('h2', 'Schemas'), schemas)
})()
