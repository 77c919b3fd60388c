//! The HTML consent page: names the client and the scopes, lets the developer
//! pick a dev user and (with `user:org:read`) an organization.

use crate::dev::directory::DevDirectory;
use crate::dev::state::{AuthRequest, Client};
use crate::dev::util::html_escape as esc;
use crate::policy::ORG_SCOPE;

fn scope_description(scope: &str) -> &'static str {
    match scope {
        "openid" => "Confirm your identity",
        "profile" => "View your name and username",
        "email" => "View your email address",
        "offline_access" => "Stay signed in (refresh tokens)",
        "public_metadata" => "View your public metadata",
        "private_metadata" => "View your private metadata",
        ORG_SCOPE => "Know which organization you act in",
        _ => "Custom scope",
    }
}

const STYLE: &str = r#"
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#f4f4f6;margin:0;color:#1f2937}
.banner{background:#b45309;color:#fff;padding:8px 16px;font-size:14px;text-align:center}
.card{max-width:460px;margin:32px auto;background:#fff;border-radius:12px;box-shadow:0 4px 24px rgba(0,0,0,.08);padding:28px}
h1{font-size:20px;margin:0 0 4px}
.sub{color:#6b7280;font-size:14px;margin:0 0 20px}
h2{font-size:14px;text-transform:uppercase;letter-spacing:.04em;color:#6b7280;margin:20px 0 8px}
ul.scopes{list-style:none;padding:0;margin:0}
ul.scopes li{padding:6px 0;border-bottom:1px solid #f0f0f2;font-size:14px}
code{background:#f3f4f6;border-radius:4px;padding:1px 5px;font-size:13px}
label.user{display:flex;gap:10px;align-items:center;padding:8px;border:1px solid #e5e7eb;border-radius:8px;margin-bottom:6px;cursor:pointer}
label.user small{color:#6b7280;display:block}
select{width:100%;padding:8px;border-radius:8px;border:1px solid #d1d5db;font-size:14px}
.buttons{display:flex;gap:10px;margin-top:24px}
button{flex:1;padding:10px;border-radius:8px;font-size:15px;cursor:pointer;border:1px solid #d1d5db;background:#fff}
button.allow{background:#6c47ff;color:#fff;border-color:#6c47ff}
.error{background:#fef2f2;color:#991b1b;border-radius:8px;padding:8px 12px;font-size:14px}
.resource{font-size:13px;color:#6b7280;word-break:break-all}
"#;

const SCRIPT: &str = r#"
(function(){
  var sel=document.getElementById('org_id'); if(!sel) return;
  function sync(){
    var u=(document.querySelector('input[name=user_id]:checked')||{}).value;
    var first=null;
    for(var i=0;i<sel.options.length;i++){
      var o=sel.options[i]; var m=o.getAttribute('data-members');
      var ok=!m||(' '+m+' ').indexOf(' '+u+' ')>=0; o.hidden=!ok; o.disabled=!ok;
      if(ok&&m&&first===null) first=i;
    }
    if(sel.selectedOptions.length===0||sel.selectedOptions[0].disabled){ sel.selectedIndex = first===null?0:first; }
  }
  document.querySelectorAll('input[name=user_id]').forEach(function(r){r.addEventListener('change',sync);});
  sync();
})();
"#;

/// Wraps a body in the page chrome with the development banner.
pub(crate) fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body>\
         <div class=\"banner\">mcp-clerk development emulator — not Clerk, never use in production</div>\
         <div class=\"card\">{body}</div></body></html>",
        esc(title)
    )
}

/// An error page for requests that cannot be redirected back to the client.
pub(crate) fn error_page(message: &str) -> String {
    page(
        "Authorization error",
        &format!(
            "<h1>Authorization error</h1><p class=\"error\">{}</p>",
            esc(message)
        ),
    )
}

/// The page for an authorization request naming a client the emulator does
/// not know. Registrations live in memory, so this is almost always a client
/// (Claude, Cursor, mcp-remote, Inspector) that registered with an earlier run
/// of the emulator and cached its `client_id`.
pub(crate) fn unknown_client_page(client_id: &str) -> String {
    page(
        "Unknown OAuth client",
        &format!(
            "<h1>Unknown OAuth client</h1>\
             <p class=\"error\">invalid_client: the client id <code>{}</code> is not registered with this emulator.</p>\
             <p>The dev Clerk emulator keeps client registrations in memory: it was probably \
             restarted since this MCP client registered. The client must register again \
             (dynamic client registration at <code>/oauth/register</code>): clear its cached \
             OAuth state and reconnect.</p>\
             <ul class=\"scopes\">\
             <li><b>MCP Inspector</b>: <i>Clear OAuth State</i> in the authentication settings, then connect again.</li>\
             <li><b>mcp-remote</b>: delete <code>~/.mcp-auth</code> (or the directory named by <code>MCP_REMOTE_CONFIG_DIR</code>).</li>\
             <li><b>Claude / Cursor / VS Code</b>: disconnect or remove the MCP server, then add it again (or sign out of it and back in).</li>\
             </ul>",
            esc(client_id)
        ),
    )
}

/// The consent page for a pending request.
pub(crate) fn consent_page(
    request_id: &str,
    client: &Client,
    request: &AuthRequest,
    directory: &DevDirectory,
    error: Option<&str>,
) -> String {
    let client_name = client.name.as_deref().unwrap_or("An unnamed MCP client");
    let mut body = format!(
        "<h1>{} wants to access your account</h1><p class=\"sub\">Client id <code>{}</code></p>",
        esc(client_name),
        esc(&client.id)
    );
    if let Some(err) = error {
        body.push_str(&format!("<p class=\"error\">{}</p>", esc(err)));
    }
    if let Some(resource) = &request.resource {
        body.push_str(&format!(
            "<p class=\"resource\">For the resource <code>{}</code></p>",
            esc(resource)
        ));
    }
    body.push_str("<h2>It will be able to</h2><ul class=\"scopes\">");
    for s in &request.scopes {
        body.push_str(&format!(
            "<li><code>{}</code> — {}</li>",
            esc(s),
            scope_description(s)
        ));
    }
    body.push_str("</ul>");
    body.push_str(&format!(
        "<form method=\"post\" action=\"/oauth/authorize\">\
         <input type=\"hidden\" name=\"request_id\" value=\"{}\">",
        esc(request_id)
    ));
    body.push_str("<h2>Sign in as</h2>");
    for (i, u) in directory.users.iter().enumerate() {
        let detail = u.email.as_deref().unwrap_or(&u.id);
        body.push_str(&format!(
            "<label class=\"user\"><input type=\"radio\" name=\"user_id\" value=\"{}\"{}>\
             <span>{}<small>{} · <code>{}</code></small></span></label>",
            esc(&u.id),
            if i == 0 { " checked" } else { "" },
            esc(&u.display_name()),
            esc(detail),
            esc(&u.id)
        ));
    }
    if request.scopes.iter().any(|s| s == ORG_SCOPE) {
        body.push_str(
            "<h2>Organization</h2><select id=\"org_id\" name=\"org_id\">\
             <option value=\"\">No organization (personal account)</option>",
        );
        for org in &directory.organizations {
            let members: Vec<&str> = org.members.iter().map(|m| m.user_id.as_str()).collect();
            body.push_str(&format!(
                "<option value=\"{}\" data-members=\"{}\">{} ({})</option>",
                esc(&org.id),
                esc(&members.join(" ")),
                esc(&org.name),
                esc(&org.slug)
            ));
        }
        body.push_str("</select>");
    }
    body.push_str(
        "<div class=\"buttons\"><button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>\
         <button class=\"allow\" type=\"submit\" name=\"decision\" value=\"allow\" id=\"allow\">Allow</button></div></form>",
    );
    body.push_str(&format!("<script>{SCRIPT}</script>"));
    page(&format!("Authorize {client_name}"), &body)
}
