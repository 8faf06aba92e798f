//! The catalogues of both languages say the same things: same files, same message ids, every
//! file parses without error, and each message uses the same arguments in French and English.

use std::collections::{BTreeMap, BTreeSet};

use fluent_syntax::ast;
use vigie_report::i18n::{files, Lang};

/// Message id → the names of the variables (`$name`) its value uses, for one language.
fn messages(lang: Lang) -> BTreeMap<String, BTreeSet<String>> {
    let mut out = BTreeMap::new();
    for (name, text) in files(lang) {
        let resource = match fluent_syntax::parser::parse(*text) {
            Ok(r) => r,
            Err((_, errors)) => panic!("{}/{name} does not parse: {errors:?}", lang.code()),
        };
        for entry in resource.body {
            match entry {
                ast::Entry::Message(m) => {
                    let mut vars = BTreeSet::new();
                    if let Some(p) = &m.value {
                        pattern_vars(p, &mut vars);
                    }
                    for a in &m.attributes {
                        pattern_vars(&a.value, &mut vars);
                    }
                    let id = m.id.name.to_string();
                    assert!(
                        out.insert(id.clone(), vars).is_none(),
                        "{}: message {id} defined twice",
                        lang.code()
                    );
                }
                ast::Entry::Term(t) => {
                    panic!("{}/{name}: term -{} (use messages)", lang.code(), t.id.name)
                }
                ast::Entry::Junk { content } => {
                    panic!("{}/{name}: junk {content:?}", lang.code())
                }
                _ => {}
            }
        }
    }
    out
}

fn pattern_vars(p: &ast::Pattern<&str>, vars: &mut BTreeSet<String>) {
    for el in &p.elements {
        if let ast::PatternElement::Placeable { expression } = el {
            expr_vars(expression, vars);
        }
    }
}

fn expr_vars(e: &ast::Expression<&str>, vars: &mut BTreeSet<String>) {
    match e {
        ast::Expression::Select { selector, variants } => {
            inline_vars(selector, vars);
            for v in variants {
                pattern_vars(&v.value, vars);
            }
        }
        ast::Expression::Inline(i) => inline_vars(i, vars),
    }
}

fn inline_vars(i: &ast::InlineExpression<&str>, vars: &mut BTreeSet<String>) {
    match i {
        ast::InlineExpression::VariableReference { id } => {
            vars.insert(id.name.to_string());
        }
        ast::InlineExpression::Placeable { expression } => expr_vars(expression, vars),
        ast::InlineExpression::FunctionReference { arguments, .. } => {
            for a in &arguments.positional {
                inline_vars(a, vars);
            }
        }
        _ => {}
    }
}

#[test]
fn both_languages_have_the_same_files() {
    let names = |l| files(l).iter().map(|(n, _)| *n).collect::<Vec<_>>();
    assert_eq!(names(Lang::Fr), names(Lang::En));
    assert!(names(Lang::Fr).contains(&"web.ftl"));
    assert!(names(Lang::Fr).contains(&"email.ftl"));
}

#[test]
fn both_languages_have_the_same_messages_and_arguments() {
    let fr = messages(Lang::Fr);
    let en = messages(Lang::En);
    let only_fr: Vec<_> = fr.keys().filter(|k| !en.contains_key(*k)).collect();
    let only_en: Vec<_> = en.keys().filter(|k| !fr.contains_key(*k)).collect();
    assert!(only_fr.is_empty(), "only in French: {only_fr:?}");
    assert!(only_en.is_empty(), "only in English: {only_en:?}");
    for (id, vars) in &fr {
        assert_eq!(Some(vars), en.get(id), "arguments of {id} differ");
    }
    // the web's catalogue came over whole
    assert!(fr.len() > 390, "{} messages", fr.len());
}

/// Every message formats without error in its bundle (given every argument it uses).
#[test]
fn every_message_formats() {
    for lang in Lang::ALL {
        let tr = vigie_report::Tr::new(lang);
        for (id, vars) in messages(lang) {
            let args: Vec<(&str, vigie_report::i18n::Value<'_>)> =
                vars.iter().map(|v| (v.as_str(), 2.into())).collect();
            let s = tr.t_args(&id, &args);
            assert!(!s.is_empty() && s != id, "{}: {id} gave {s:?}", lang.code());
            assert!(
                !s.contains('{'),
                "{}: {id} left a placeable: {s:?}",
                lang.code()
            );
        }
    }
}
