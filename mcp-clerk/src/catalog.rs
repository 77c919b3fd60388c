//! Every component of one server (tools, resources, resource templates,
//! prompts) with their policies: what the gate and the dispatcher look up.
//!
//! One catalog feeds both, so a new kind of component extends what the gate
//! can target and whose policy [`policy::decide`](crate::policy::decide)
//! judges; there is no second gate.

use std::collections::HashMap;
use std::fmt;

use crate::policy::ToolPolicy;
use crate::prompt::PromptDef;
use crate::resource::{AnyResource, ResourceDef, ResourceTemplateDef};
use crate::server::BuildError;
use crate::tool::ToolDef;
use crate::tool::dispatch::ToolTable;
use crate::tool::state::{StateKey, States};

/// A kind of component other than a tool, for build errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ComponentKind {
    /// A static resource (named by its URI).
    Resource,
    /// A resource template (named by its URI template).
    ResourceTemplate,
    /// A prompt (named by its name).
    Prompt,
}

impl fmt::Display for ComponentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Resource => "resource",
            Self::ResourceTemplate => "resource template",
            Self::Prompt => "prompt",
        })
    }
}

/// What a `resources/read` URI resolved to.
pub(crate) enum FoundResource<'a> {
    Static(&'a ResourceDef),
    /// A template and the URI's values of its variables.
    Template(&'a ResourceTemplateDef, Vec<(String, String)>),
}

impl<'a> FoundResource<'a> {
    pub(crate) fn policy(&self) -> &'a ToolPolicy {
        match self {
            Self::Static(r) => (*r).policy(),
            Self::Template(t, _) => (*t).policy(),
        }
    }
}

/// The components of one server.
#[derive(Debug)]
pub(crate) struct Catalog {
    pub(crate) tools: ToolTable,
    resources: Vec<ResourceDef>,
    by_uri: HashMap<String, usize>,
    templates: Vec<ResourceTemplateDef>,
    prompts: Vec<PromptDef>,
    by_name: HashMap<String, usize>,
    /// Whether some resource or template may be hidden from some caller.
    pub(crate) resources_caller_dependent: bool,
    /// Whether some prompt may be hidden from some caller.
    pub(crate) prompts_caller_dependent: bool,
}

impl Catalog {
    /// Indexes the components; a duplicate name, URI or template, or a
    /// template that does not parse, is a [`BuildError`].
    pub(crate) fn new(
        tools: Vec<ToolDef>,
        resources: Vec<AnyResource>,
        prompts: Vec<PromptDef>,
    ) -> Result<Self, BuildError> {
        let tools = ToolTable::new(tools).map_err(BuildError::DuplicateTool)?;
        let mut statics = Vec::new();
        let mut templates: Vec<ResourceTemplateDef> = Vec::new();
        let mut by_uri = HashMap::new();
        for resource in resources {
            match resource {
                AnyResource::Static(r) => {
                    if by_uri.insert(r.uri().to_owned(), statics.len()).is_some() {
                        return Err(duplicate(ComponentKind::Resource, r.uri()));
                    }
                    statics.push(r);
                }
                AnyResource::Template(t) => {
                    if let Err(e) = t.template() {
                        return Err(BuildError::InvalidUriTemplate {
                            template: t.uri_template().to_owned(),
                            reason: e.to_string(),
                        });
                    }
                    if templates
                        .iter()
                        .any(|o| o.uri_template() == t.uri_template())
                    {
                        return Err(duplicate(ComponentKind::ResourceTemplate, t.uri_template()));
                    }
                    templates.push(t);
                }
            }
        }
        let mut by_name = HashMap::new();
        for (i, p) in prompts.iter().enumerate() {
            if by_name.insert(p.name().to_owned(), i).is_some() {
                return Err(duplicate(ComponentKind::Prompt, p.name()));
            }
        }
        let resources_caller_dependent = statics
            .iter()
            .map(ResourceDef::policy)
            .chain(templates.iter().map(ResourceTemplateDef::policy))
            .any(ToolPolicy::hidden_from_some);
        let prompts_caller_dependent = prompts.iter().any(|p| p.policy().hidden_from_some());
        Ok(Self {
            tools,
            resources: statics,
            by_uri,
            templates,
            prompts,
            by_name,
            resources_caller_dependent,
            prompts_caller_dependent,
        })
    }

    /// The static resources, in registration order.
    pub(crate) fn resources(&self) -> &[ResourceDef] {
        &self.resources
    }

    /// The resource templates, in registration order.
    pub(crate) fn templates(&self) -> &[ResourceTemplateDef] {
        &self.templates
    }

    /// The prompts, in registration order.
    pub(crate) fn prompts(&self) -> &[PromptDef] {
        &self.prompts
    }

    /// Whether the server serves resources or templates.
    pub(crate) fn has_resources(&self) -> bool {
        !self.resources.is_empty() || !self.templates.is_empty()
    }

    /// Whether some template or prompt has a completer.
    pub(crate) fn has_completers(&self) -> bool {
        self.templates.iter().any(|t| !t.completers().is_empty())
            || self.prompts.iter().any(|p| !p.completers().is_empty())
    }

    /// What `uri` reads: the static resource of that URI first, else the
    /// first template (in registration order) it matches.
    pub(crate) fn resource(&self, uri: &str) -> Option<FoundResource<'_>> {
        if let Some(&i) = self.by_uri.get(uri) {
            return Some(FoundResource::Static(&self.resources[i]));
        }
        self.templates
            .iter()
            .find_map(|t| Some(FoundResource::Template(t, t.matches(uri)?)))
    }

    /// The template written exactly as `uri_template`.
    pub(crate) fn template(&self, uri_template: &str) -> Option<&ResourceTemplateDef> {
        self.templates
            .iter()
            .find(|t| t.uri_template() == uri_template)
    }

    /// The prompt called `name`.
    pub(crate) fn prompt(&self, name: &str) -> Option<&PromptDef> {
        self.by_name.get(name).map(|&i| &self.prompts[i])
    }

    /// How many components there are.
    pub(crate) fn len(&self) -> usize {
        self.tools.len() + self.resources.len() + self.templates.len() + self.prompts.len()
    }

    /// Every component's policy, tools first.
    pub(crate) fn policies(&self) -> impl Iterator<Item = &ToolPolicy> {
        self.tools
            .iter()
            .map(ToolDef::policy)
            .chain(self.resources.iter().map(ResourceDef::policy))
            .chain(self.templates.iter().map(ResourceTemplateDef::policy))
            .chain(self.prompts.iter().map(PromptDef::policy))
    }

    /// Whether every component needs a valid token (then every anonymous
    /// request is challenged).
    pub(crate) fn all_need_auth(&self) -> bool {
        self.len() > 0 && self.policies().all(ToolPolicy::needs_auth)
    }

    /// The first component whose policy uses auth, as the build error a
    /// server without a Clerk config gets.
    pub(crate) fn missing_config(&self) -> Option<BuildError> {
        if let Some(t) = self.tools.iter().find(|t| t.policy().uses_auth()) {
            return Some(BuildError::MissingConfig(t.name().to_owned()));
        }
        self.others()
            .find(|(_, _, policy, _)| policy.uses_auth())
            .map(|(kind, name, _, _)| BuildError::ComponentMissingConfig {
                kind,
                name: name.to_owned(),
            })
    }

    /// The first state some component reads that `states` lacks.
    pub(crate) fn missing_state(&self, states: &States) -> Option<BuildError> {
        let missing = |keys: &[StateKey]| keys.iter().find(|k| !states.contains(k)).copied();
        if let Some((tool, key)) = self
            .tools
            .iter()
            .find_map(|t| Some((t.name(), missing(t.required_states())?)))
        {
            return Some(BuildError::MissingState {
                tool: tool.to_owned(),
                type_name: key.type_name(),
            });
        }
        self.others().find_map(|(kind, name, _, keys)| {
            Some(BuildError::ComponentMissingState {
                kind,
                name: name.to_owned(),
                type_name: missing(keys)?.type_name(),
            })
        })
    }

    /// Resources, templates and prompts: kind, name, policy, states.
    fn others(&self) -> impl Iterator<Item = (ComponentKind, &str, &ToolPolicy, &[StateKey])> {
        self.resources
            .iter()
            .map(|r| {
                (
                    ComponentKind::Resource,
                    r.uri(),
                    r.policy(),
                    r.required_states(),
                )
            })
            .chain(self.templates.iter().map(|t| {
                (
                    ComponentKind::ResourceTemplate,
                    t.uri_template(),
                    t.policy(),
                    t.required_states(),
                )
            }))
            .chain(self.prompts.iter().map(|p| {
                (
                    ComponentKind::Prompt,
                    p.name(),
                    p.policy(),
                    p.required_states(),
                )
            }))
    }
}

fn duplicate(kind: ComponentKind, name: &str) -> BuildError {
    BuildError::DuplicateComponent {
        kind,
        name: name.to_owned(),
    }
}
