/**
 * The admin stylesheet, served from /admin/assets/admin.css (the CSP allows no inline style). Plain
 * responsive CSS: one column on phones, wide tables scroll inside their own box.
 */
export const ADMIN_CSS = `
:root{--fg:#1d232a;--muted:#5f6b76;--line:#d8dee4;--bg:#fff;--soft:#f5f7f9;--accent:#1f5fbf;--high:#b3261e;--medium:#a35200;--low:#6b5e00;--info:#4a5560;--ok:#1b7a3a}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--accent)}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
code{background:var(--soft);padding:.05rem .3rem;border-radius:3px}
.top{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.2rem;padding:.6rem 1rem;border-bottom:1px solid var(--line);background:var(--soft)}
.brand{font-weight:700;text-decoration:none;color:var(--fg);font-size:1.1rem}
nav{display:flex;flex-wrap:wrap;gap:.2rem .9rem;flex:1}
nav a{text-decoration:none;padding:.1rem 0}
nav a.active{font-weight:600;border-bottom:2px solid var(--accent)}
.who{display:flex;align-items:center;gap:.4rem;margin:0}
main{max-width:80rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.4rem 0 .8rem;overflow-wrap:anywhere}
h2{font-size:1.15rem;margin:1.6rem 0 .5rem;border-bottom:1px solid var(--line);padding-bottom:.2rem}
h3{margin:.2rem 0}
.muted{color:var(--muted)}
.small{font-size:.85rem}
.strong{font-weight:600}
.nowrap{white-space:nowrap}
.wrap{overflow-wrap:anywhere;min-width:10rem}
.version{font-weight:400;color:var(--muted)}
.table-wrap{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%}
th,td{padding:.35rem .6rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{background:var(--soft);font-size:.85rem}
tr.changed td{background:#fff8e6}
tr.changed.important td{background:#fdecea}
.badge{display:inline-block;padding:0 .45rem;border-radius:1rem;font-size:.8rem;font-weight:600;color:#fff;background:var(--info);white-space:nowrap}
.badge-high{background:var(--high)}.badge-medium{background:var(--medium)}.badge-low{background:var(--low)}.badge-info{background:var(--info)}.badge-ok{background:var(--ok)}
.counts .badge{margin-right:.25rem}
.tag{display:inline-block;margin-left:.4rem;padding:0 .35rem;border:1px solid var(--line);border-radius:3px;font-size:.75rem;color:var(--muted)}
.tag-warn,.tag-deleted{border-color:var(--high);color:var(--high)}
.tag-added,.tag-ok{border-color:var(--ok);color:var(--ok)}
.tag-binary{border-color:var(--medium);color:var(--medium)}
.flags{list-style:none;padding:0;margin:0}
.flag{padding:.4rem .6rem;border-left:4px solid var(--info);background:var(--soft);margin:.3rem 0;overflow-wrap:anywhere}
.flag-high{border-color:var(--high);background:#fdecea}.flag-medium{border-color:var(--medium);background:#fff4e5}.flag-low{border-color:var(--low)}
.flag .check{font-family:ui-monospace,monospace;font-size:.8rem;color:var(--muted)}
.flag .where{font-family:ui-monospace,monospace;font-size:.85rem}
.notice{padding:.6rem .8rem;background:#e8f3ff;border:1px solid #b6d4fe;border-radius:4px}
.warn{padding:.5rem .8rem;background:#fff4e5;border:1px solid #f0c36d;border-radius:4px;overflow-wrap:anywhere}
.warn-text{color:var(--medium)}
.error{padding:.5rem .8rem;background:#fdecea;border:1px solid #f1aeb5;border-radius:4px;overflow-wrap:anywhere}
.ok-text{color:var(--ok)}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(12rem,1fr));gap:.8rem}
.card{display:flex;flex-direction:column;padding:.8rem 1rem;border:1px solid var(--line);border-radius:6px;text-decoration:none;color:var(--fg)}
.card .big{font-size:1.6rem;font-weight:700}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:0 0 1rem}
.facts dt{color:var(--muted)}
.facts dd{margin:0;overflow-wrap:anywhere}
.full-commit{overflow-wrap:anywhere}
.files{list-style:none;padding:0}
.files li{padding:.15rem 0;overflow-wrap:anywhere}
.added{color:var(--ok)}.deleted{color:var(--high)}
.diff{overflow-x:auto;margin-top:.5rem}
.decide{display:grid;grid-template-columns:repeat(auto-fit,minmax(18rem,1fr));gap:1rem}
.stack{display:flex;flex-direction:column;gap:.6rem;max-width:40rem}
.stack label{display:flex;flex-direction:column;gap:.2rem;font-weight:600}
.stack label.check,label.check{flex-direction:row;align-items:center;gap:.4rem;font-weight:400}
.approve,.reject{padding:.8rem;border:1px solid var(--line);border-radius:6px}
.approve{border-color:#9fd3b0}.reject{border-color:#f1aeb5}
.narrow{max-width:28rem}
input,select,textarea,button{font:inherit}
input,select,textarea{padding:.4rem .5rem;border:1px solid #aab4be;border-radius:4px;max-width:100%}
button,a.button{padding:.4rem .9rem;border:1px solid var(--accent);border-radius:4px;background:var(--accent);color:#fff;cursor:pointer}
a.button{display:inline-block;text-decoration:none}
button.primary{background:var(--ok);border-color:var(--ok)}
button.danger{background:var(--high);border-color:var(--high)}
button.small{padding:.1rem .5rem;font-size:.85rem}
button.link{background:none;border:none;color:var(--accent);padding:0;text-decoration:underline}
fieldset{border:1px solid var(--line);border-radius:4px;display:flex;flex-direction:column;gap:.3rem}
.filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:flex-end;margin-bottom:1rem}
.filters label{display:flex;flex-direction:column;font-size:.85rem}
.timeline{list-style:none;padding:0}
.timeline li{padding:.5rem .7rem;border-left:3px solid var(--line);margin:.4rem 0}
.timeline li.state-approved{border-color:var(--ok)}.timeline li.state-pending{border-color:var(--medium)}
.timeline li.state-rejected,.timeline li.state-revoked{border-color:var(--high)}
.source{font-size:.85rem}
.source td{border:none;padding:0 .5rem}
.source pre{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}
.source .ln{text-align:right;color:var(--muted);user-select:none;width:1%}
.source .ln a{color:var(--muted);text-decoration:none}
.source tr.flagged td{background:#fdecea}
.source tr:target td{background:#fff3b0}
.secret{padding:.5rem;background:#fff;border:1px dashed var(--accent);overflow-wrap:anywhere;white-space:pre-wrap}
.path{font-family:ui-monospace,monospace;font-size:1.2rem}
.cls{display:inline-block;padding:0 .45rem;border-radius:3px;font-size:.8rem;font-weight:600;border:1px solid var(--line);white-space:nowrap}
.cls-routine{border-color:var(--ok);color:var(--ok)}.cls-metadata-only{color:var(--info)}.cls-sources-changed{border-color:var(--low);color:var(--low)}
.cls-build-logic-changed{border-color:var(--medium);color:var(--medium)}.cls-install-time-code-changed,.cls-unclassified{border-color:var(--high);color:var(--high)}
.cls-first-revision{border-color:var(--accent);color:var(--accent)}
.changes{margin:.2rem 0 .8rem;padding-left:1.2rem}
.changes li{overflow-wrap:anywhere}
.changes .ch-routine{color:var(--muted)}
.sorts a{margin-right:.6rem}.sorts a.active{font-weight:600;text-decoration:none;color:var(--fg)}
.flag .line{display:block;margin-top:.2rem;white-space:pre-wrap;overflow-wrap:anywhere}
.payloads{list-style:none;padding:0;margin:.2rem 0 0}
.payloads code.payload{white-space:pre-wrap;overflow-wrap:anywhere;background:#fff3b0}
.diff tr.flagged td{background:#fdecea}
.diff tr.line-note td{background:#fffbe6;font:13px/1.4 system-ui,sans-serif;white-space:normal;border-bottom:1px solid #f0c36d}
.diff tr.line-note.mirror td.line-note-body{visibility:hidden}
.diff .line-flag{margin:.1rem 0}
.diff .line-flag a:target,.flag:target{outline:2px solid var(--accent)}
.batch{margin-top:1rem}
.results li{margin:.2rem 0}
@media (max-width:40rem){
  main{padding:.6rem}
  .top{padding:.5rem .6rem}
  nav{order:3;flex-basis:100%}
  .facts{grid-template-columns:1fr}
  .facts dt{margin-top:.3rem}
  th,td{padding:.3rem .4rem}
}
`;
