//! Random type forests built through the public host API (rec groups,
//! recursive references, supertypes inside and outside the group, finality,
//! chains up to depth 63, deliberate invalid definitions), checked against
//! a naive reference model: canonical identity by interned structural
//! descriptions, subtyping by walking declared supertypes, liveness by
//! reachability. Deterministic (seeded xorshift).

use std::collections::{HashMap, HashSet};
use tern::{
    Engine, Finality, HeapType, Mutability, RecFieldType, RecGroupBuilder, RecIndex,
    RecStorageType, RecSupertype, RecValType, RefType, ValType,
};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

// Abstract heap types by index.
const N_ABS: usize = 12;
fn abs_heap(i: usize) -> HeapType {
    [
        HeapType::Func,
        HeapType::NoFunc,
        HeapType::Extern,
        HeapType::NoExtern,
        HeapType::Any,
        HeapType::Eq,
        HeapType::I31,
        HeapType::Struct,
        HeapType::Array,
        HeapType::None,
        HeapType::Exn,
        HeapType::NoExn,
    ][i]
        .clone()
}
const A_FUNC: usize = 0;
const A_NOFUNC: usize = 1;
const A_STRUCT: usize = 7;
const A_ARRAY: usize = 8;
const A_NONE: usize = 9;

/// The abstract hierarchy, written out independently of the library.
fn abs_sub(a: usize, b: usize) -> bool {
    const STRICT: [(usize, usize); 15] = [
        (1, 0),
        (3, 2),
        (11, 10),
        (5, 4),
        (6, 5),
        (6, 4),
        (7, 5),
        (7, 4),
        (8, 5),
        (8, 4),
        (9, 4),
        (9, 5),
        (9, 6),
        (9, 7),
        (9, 8),
    ];
    a == b || STRICT.contains(&(a, b))
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum K {
    Func,
    Struct,
    Array,
}

impl K {
    fn abs(self) -> usize {
        match self {
            K::Func => A_FUNC,
            K::Struct => A_STRUCT,
            K::Array => A_ARRAY,
        }
    }
    fn bottom(self) -> usize {
        match self {
            K::Func => A_NOFUNC,
            _ => A_NONE,
        }
    }
}

// ---- the model ------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum MH {
    Abs(usize),
    T(usize),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum MS {
    I8,
    I16,
    I32,
    I64,
    F32,
    F64,
    Ref(bool, MH),
}

#[derive(Clone, Copy, Debug)]
struct MF {
    mutable: bool,
    s: MS,
}

#[derive(Clone, Debug)]
enum MC {
    Func(Vec<MS>, Vec<MS>),
    Struct(Vec<MF>),
    Array(MF),
}

struct MType {
    group: usize,
    kind: K,
    is_final: bool,
    sup: Option<usize>,
    comp: MC,
}

struct MGroup {
    size: usize,
    deps: Vec<usize>,
    /// Model type numbers of the members, in order.
    members: Vec<usize>,
}

#[derive(Default)]
struct Model {
    types: Vec<MType>,
    groups: Vec<MGroup>,
    intern: HashMap<String, usize>,
    /// Builds that found an already-interned group (canonicalization).
    hits: usize,
}

impl Model {
    fn depth(&self, mut t: usize) -> usize {
        let mut d = 0;
        while let Some(s) = self.types[t].sup {
            d += 1;
            t = s;
        }
        d
    }
    fn sub_t(&self, a: usize, b: usize) -> bool {
        let mut t = Some(a);
        while let Some(x) = t {
            if x == b {
                return true;
            }
            t = self.types[x].sup;
        }
        false
    }
    fn sub_h(&self, a: MH, b: MH) -> bool {
        match (a, b) {
            (MH::Abs(x), MH::Abs(y)) => abs_sub(x, y),
            (MH::T(x), MH::Abs(y)) => abs_sub(self.types[x].kind.abs(), y),
            (MH::Abs(x), MH::T(y)) => x == self.types[y].kind.bottom(),
            (MH::T(x), MH::T(y)) => self.sub_t(x, y),
        }
    }
    /// Registered types expected for this set of live handles.
    fn expected_registered(&self, live: &[(usize, HeapType)]) -> usize {
        let mut seen = HashSet::new();
        let mut stack: Vec<usize> = live.iter().map(|(t, _)| self.types[*t].group).collect();
        let mut n = 0;
        while let Some(g) = stack.pop() {
            if seen.insert(g) {
                n += self.groups[g].size;
                stack.extend(self.groups[g].deps.iter().copied());
            }
        }
        n
    }
}

// ---- specs: what the test builds, with handles for outside types ---------

#[derive(Clone)]
enum H {
    Abs(usize),
    Rel(u32),
    Out(usize, HeapType),
}

#[derive(Clone)]
enum S {
    I8,
    I16,
    I32,
    I64,
    F32,
    F64,
    Ref(bool, H),
}

#[derive(Clone)]
struct F {
    mutable: bool,
    s: S,
}

#[derive(Clone)]
enum C {
    Func(Vec<S>, Vec<S>),
    Struct(Vec<F>),
    Array(F),
}

#[derive(Clone)]
enum Sup {
    Rel(u32),
    Out(usize, HeapType),
}

#[derive(Clone)]
struct Spec {
    is_final: bool,
    sup: Option<Sup>,
    c: C,
}

fn desc_h(h: &H) -> String {
    match h {
        H::Abs(i) => format!("a{i}"),
        H::Rel(j) => format!("r{j}"),
        H::Out(k, _) => format!("#{k}"),
    }
}

fn desc_s(s: &S) -> String {
    match s {
        S::I8 => "i8".into(),
        S::I16 => "i16".into(),
        S::I32 => "i32".into(),
        S::I64 => "i64".into(),
        S::F32 => "f32".into(),
        S::F64 => "f64".into(),
        S::Ref(n, h) => format!("(ref {} {})", if *n { "null" } else { "" }, desc_h(h)),
    }
}

fn desc(spec: &Spec) -> String {
    let sup = match &spec.sup {
        None => "-".to_string(),
        Some(Sup::Rel(j)) => format!("r{j}"),
        Some(Sup::Out(k, _)) => format!("#{k}"),
    };
    let c = match &spec.c {
        C::Func(p, r) => format!(
            "func [{}] -> [{}]",
            p.iter().map(desc_s).collect::<Vec<_>>().join(" "),
            r.iter().map(desc_s).collect::<Vec<_>>().join(" ")
        ),
        C::Struct(fs) => format!(
            "struct {}",
            fs.iter()
                .map(|f| format!("{}{}", if f.mutable { "mut " } else { "" }, desc_s(&f.s)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        C::Array(f) => format!(
            "array {}{}",
            if f.mutable { "mut " } else { "" },
            desc_s(&f.s)
        ),
    };
    format!("{} {sup} {c}", spec.is_final)
}

fn kind_of_c(c: &C) -> K {
    match c {
        C::Func(..) => K::Func,
        C::Struct(..) => K::Struct,
        C::Array(..) => K::Array,
    }
}

fn resolve_h(h: &H, base: usize) -> MH {
    match h {
        H::Abs(i) => MH::Abs(*i),
        H::Rel(j) => MH::T(base + *j as usize),
        H::Out(k, _) => MH::T(*k),
    }
}

fn resolve_s(s: &S, base: usize) -> MS {
    match s {
        S::I8 => MS::I8,
        S::I16 => MS::I16,
        S::I32 => MS::I32,
        S::I64 => MS::I64,
        S::F32 => MS::F32,
        S::F64 => MS::F64,
        S::Ref(n, h) => MS::Ref(*n, resolve_h(h, base)),
    }
}

impl Model {
    /// Interns a group; returns its model type numbers.
    fn intern(&mut self, specs: &[Spec]) -> Vec<usize> {
        let key = specs.iter().map(desc).collect::<Vec<_>>().join(" | ");
        if let Some(&g) = self.intern.get(&key) {
            self.hits += 1;
            return self.groups[g].members.clone();
        }
        let g = self.groups.len();
        let base = self.types.len();
        let mut deps = HashSet::new();
        let dep_h = |h: &H, deps: &mut HashSet<usize>, types: &Vec<MType>| {
            if let H::Out(k, _) = h {
                deps.insert(types[*k].group);
            }
        };
        for spec in specs {
            if let Some(Sup::Out(k, _)) = &spec.sup {
                deps.insert(self.types[*k].group);
            }
            let mut each = |s: &S| {
                if let S::Ref(_, h) = s {
                    dep_h(h, &mut deps, &self.types)
                }
            };
            match &spec.c {
                C::Func(p, r) => p.iter().chain(r.iter()).for_each(&mut each),
                C::Struct(fs) => fs.iter().for_each(|f| each(&f.s)),
                C::Array(f) => each(&f.s),
            }
        }
        for spec in specs {
            let comp = match &spec.c {
                C::Func(p, r) => MC::Func(
                    p.iter().map(|s| resolve_s(s, base)).collect(),
                    r.iter().map(|s| resolve_s(s, base)).collect(),
                ),
                C::Struct(fs) => MC::Struct(
                    fs.iter()
                        .map(|f| MF {
                            mutable: f.mutable,
                            s: resolve_s(&f.s, base),
                        })
                        .collect(),
                ),
                C::Array(f) => MC::Array(MF {
                    mutable: f.mutable,
                    s: resolve_s(&f.s, base),
                }),
            };
            let sup = match &spec.sup {
                None => None,
                Some(Sup::Rel(j)) => Some(base + *j as usize),
                Some(Sup::Out(k, _)) => Some(*k),
            };
            self.types.push(MType {
                group: g,
                kind: kind_of_c(&spec.c),
                is_final: spec.is_final,
                sup,
                comp,
            });
        }
        self.groups.push(MGroup {
            size: specs.len(),
            deps: deps.into_iter().collect(),
            members: (base..base + specs.len()).collect(),
        });
        self.intern.insert(key, g);
        (base..base + specs.len()).collect()
    }
}

// ---- building through the API ----------------------------------------------

fn rec_val(s: &S, idx: &[RecIndex]) -> RecValType {
    match s {
        S::I8 | S::I16 | S::I32 => RecValType::Val(ValType::I32),
        S::I64 => RecValType::Val(ValType::I64),
        S::F32 => RecValType::Val(ValType::F32),
        S::F64 => RecValType::Val(ValType::F64),
        S::Ref(n, H::Abs(i)) => RecValType::Val(ValType::Ref(RefType::new(*n, abs_heap(*i)))),
        S::Ref(n, H::Rel(j)) => idx[*j as usize].ref_type(*n),
        S::Ref(n, H::Out(_, h)) => RecValType::Val(ValType::Ref(RefType::new(*n, h.clone()))),
    }
}

fn rec_field(f: &F, idx: &[RecIndex]) -> RecFieldType {
    let m = if f.mutable {
        Mutability::Var
    } else {
        Mutability::Const
    };
    let st = match &f.s {
        S::I8 => RecStorageType::I8,
        S::I16 => RecStorageType::I16,
        s => RecStorageType::Val(rec_val(s, idx)),
    };
    RecFieldType::new(m, st)
}

fn build(engine: &Engine, specs: &[Spec]) -> tern::Result<Vec<HeapType>> {
    let mut b = RecGroupBuilder::new(engine);
    let idx: Vec<RecIndex> = specs.iter().map(|_| b.reserve()).collect();
    for (j, spec) in specs.iter().enumerate() {
        let fin = if spec.is_final {
            Finality::Final
        } else {
            Finality::NonFinal
        };
        let sup = spec.sup.as_ref().map(|s| match s {
            Sup::Rel(i) => RecSupertype::Index(idx[*i as usize]),
            Sup::Out(_, HeapType::ConcreteFunc(f)) => RecSupertype::Func(f.clone()),
            Sup::Out(_, HeapType::ConcreteStruct(s)) => RecSupertype::Struct(s.clone()),
            Sup::Out(_, HeapType::ConcreteArray(a)) => RecSupertype::Array(a.clone()),
            Sup::Out(..) => unreachable!(),
        });
        match &spec.c {
            C::Func(p, r) => {
                b.define_func(
                    idx[j],
                    fin,
                    sup,
                    p.iter().map(|s| rec_val(s, &idx)),
                    r.iter().map(|s| rec_val(s, &idx)),
                );
            }
            C::Struct(fs) => {
                b.define_struct(idx[j], fin, sup, fs.iter().map(|f| rec_field(f, &idx)));
            }
            C::Array(f) => {
                b.define_array(idx[j], fin, sup, rec_field(f, &idx));
            }
        }
    }
    b.build()
}

/// Reads a live type's definition back through the API, pairing each
/// handle with its model number.
fn spec_c_of(model: &Model, t: usize, h: &HeapType) -> C {
    fn pair(ms: MS, v: &ValType) -> S {
        match ms {
            MS::I8 => S::I8,
            MS::I16 => S::I16,
            MS::I32 => S::I32,
            MS::I64 => S::I64,
            MS::F32 => S::F32,
            MS::F64 => S::F64,
            MS::Ref(n, MH::Abs(i)) => S::Ref(n, H::Abs(i)),
            MS::Ref(n, MH::T(k)) => S::Ref(n, H::Out(k, v.unwrap_ref().heap_type().clone())),
        }
    }
    fn pair_f(mf: MF, f: &tern::FieldType) -> F {
        let v = f.element_type().unpack();
        F {
            mutable: mf.mutable,
            s: pair(mf.s, &v),
        }
    }
    match (&model.types[t].comp, h) {
        (MC::Func(p, r), HeapType::ConcreteFunc(f)) => {
            assert_eq!(f.params().len(), p.len());
            assert_eq!(f.results().len(), r.len());
            C::Func(
                p.iter()
                    .zip(f.params())
                    .map(|(m, v)| pair(*m, &v))
                    .collect(),
                r.iter()
                    .zip(f.results())
                    .map(|(m, v)| pair(*m, &v))
                    .collect(),
            )
        }
        (MC::Struct(fs), HeapType::ConcreteStruct(s)) => {
            assert_eq!(s.fields().len(), fs.len());
            C::Struct(
                fs.iter()
                    .zip(s.fields())
                    .map(|(m, f)| pair_f(*m, &f))
                    .collect(),
            )
        }
        (MC::Array(mf), HeapType::ConcreteArray(a)) => C::Array(pair_f(*mf, &a.field_type())),
        _ => panic!("kind mismatch between model and API"),
    }
}

// ---- building through modules ------------------------------------------------

const ABS_NAMES: [&str; N_ABS] = [
    "func", "nofunc", "extern", "noextern", "any", "eq", "i31", "struct", "array", "none", "exn",
    "noexn",
];

fn wat_val(s: &MS) -> String {
    match s {
        MS::I8 => "i8".into(),
        MS::I16 => "i16".into(),
        MS::I32 => "i32".into(),
        MS::I64 => "i64".into(),
        MS::F32 => "f32".into(),
        MS::F64 => "f64".into(),
        MS::Ref(n, h) => {
            let h = match h {
                MH::Abs(i) => ABS_NAMES[*i].to_string(),
                MH::T(k) => format!("$t{k}"),
            };
            format!("(ref {}{h})", if *n { "null " } else { "" })
        }
    }
}

fn wat_field(f: &MF) -> String {
    if f.mutable {
        format!("(mut {})", wat_val(&f.s))
    } else {
        wat_val(&f.s)
    }
}

fn wat_type(name: &str, is_final: bool, sup: Option<String>, comp: &MC) -> String {
    let c = match comp {
        MC::Func(p, r) => format!(
            "(func (param {}) (result {}))",
            p.iter().map(wat_val).collect::<Vec<_>>().join(" "),
            r.iter().map(wat_val).collect::<Vec<_>>().join(" ")
        ),
        MC::Struct(fs) => {
            format!(
                "(struct {})",
                fs.iter()
                    .map(|f| format!("(field {})", wat_field(f)))
                    .collect::<Vec<_>>()
                    .join(" ")
            )
        }
        MC::Array(f) => format!("(array {})", wat_field(f)),
    };
    format!(
        "(type {name} (sub {}{} {c}))",
        if is_final { "final " } else { "" },
        sup.unwrap_or_default()
    )
}

/// A module defining every group `specs` depends on (in dependency order,
/// as the model knows them) and then the group itself, exporting one
/// `(ref null $t)` global per type of the group.
fn module_text(model: &Model, specs: &[Spec]) -> String {
    // The dependency closure, by model group number (deps have lower numbers).
    let mut need: Vec<usize> = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    let push_h = |h: &H, stack: &mut Vec<usize>| {
        if let H::Out(k, _) = h {
            stack.push(model.types[*k].group);
        }
    };
    for spec in specs {
        if let Some(Sup::Out(k, _)) = &spec.sup {
            stack.push(model.types[*k].group);
        }
        match &spec.c {
            C::Func(p, r) => p.iter().chain(r.iter()).for_each(|s| {
                if let S::Ref(_, h) = s {
                    push_h(h, &mut stack)
                }
            }),
            C::Struct(fs) => fs.iter().for_each(|f| {
                if let S::Ref(_, h) = &f.s {
                    push_h(h, &mut stack)
                }
            }),
            C::Array(f) => {
                if let S::Ref(_, h) = &f.s {
                    push_h(h, &mut stack)
                }
            }
        }
    }
    while let Some(g) = stack.pop() {
        if !need.contains(&g) {
            need.push(g);
            stack.extend(model.groups[g].deps.iter().copied());
        }
    }
    need.sort();
    let mut out = String::from("(module\n");
    for g in need {
        out.push_str("  (rec");
        for &t in &model.groups[g].members {
            let ty = &model.types[t];
            out.push(' ');
            out.push_str(&wat_type(
                &format!("$t{t}"),
                ty.is_final,
                ty.sup.map(|s| format!("$t{s}")),
                &ty.comp,
            ));
        }
        out.push_str(")\n");
    }
    // The new group: resolve its specs with member j named $n{j}.
    let h_text = |h: &H| match h {
        H::Abs(i) => ABS_NAMES[*i].to_string(),
        H::Rel(j) => format!("$n{j}"),
        H::Out(k, _) => format!("$t{k}"),
    };
    let s_text = |s: &S| match s {
        S::I8 => "i8".to_string(),
        S::I16 => "i16".to_string(),
        S::I32 => "i32".to_string(),
        S::I64 => "i64".to_string(),
        S::F32 => "f32".to_string(),
        S::F64 => "f64".to_string(),
        S::Ref(n, h) => format!("(ref {}{})", if *n { "null " } else { "" }, h_text(h)),
    };
    let f_text = |f: &F| {
        if f.mutable {
            format!("(mut {})", s_text(&f.s))
        } else {
            s_text(&f.s)
        }
    };
    out.push_str("  (rec");
    for (j, spec) in specs.iter().enumerate() {
        let c = match &spec.c {
            C::Func(p, r) => format!(
                "(func (param {}) (result {}))",
                p.iter().map(s_text).collect::<Vec<_>>().join(" "),
                r.iter().map(s_text).collect::<Vec<_>>().join(" ")
            ),
            C::Struct(fs) => format!(
                "(struct {})",
                fs.iter()
                    .map(|f| format!("(field {})", f_text(f)))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            C::Array(f) => format!("(array {})", f_text(f)),
        };
        let sup = match &spec.sup {
            None => String::new(),
            Some(Sup::Rel(i)) => format!("$n{i}"),
            Some(Sup::Out(k, _)) => format!("$t{k}"),
        };
        out.push_str(&format!(
            " (type $n{j} (sub {}{sup} {c}))",
            if spec.is_final { "final " } else { "" }
        ));
    }
    out.push_str(")\n");
    for j in 0..specs.len() {
        out.push_str(&format!(
            "  (global (export \"n{j}\") (ref null $n{j}) (ref.null $n{j}))\n"
        ));
    }
    out.push(')');
    out
}

fn build_via_module(engine: &Engine, model: &Model, specs: &[Spec]) -> tern::Result<Vec<HeapType>> {
    let text = module_text(model, specs);
    let module = tern::Module::new(engine, &text)?;
    let types: Vec<HeapType> = module
        .exports()
        .filter_map(|e| match e.ty() {
            tern::ExternType::Global(g) => Some(g.content().unwrap_ref().heap_type().clone()),
            _ => None,
        })
        .collect();
    assert_eq!(types.len(), specs.len(), "{text}");
    Ok(types)
}

// ---- the generator ---------------------------------------------------------

struct Gen<'a> {
    rng: Rng,
    model: Model,
    live: Vec<(usize, HeapType)>,
    engine: &'a Engine,
    built: usize,
    rejected: usize,
    max_depth: usize,
    /// Build some groups through modules (wat text) instead of the host API.
    use_modules: bool,
    from_modules: usize,
}

impl Gen<'_> {
    fn rand_heap(&mut self, n: usize) -> H {
        let r = self.rng.below(10);
        if r < 4 || (r >= 7 && self.live.is_empty()) {
            H::Abs(self.rng.below(N_ABS))
        } else if r < 7 {
            H::Rel(self.rng.below(n) as u32)
        } else {
            let (k, h) = self.live[self.rng.below(self.live.len())].clone();
            H::Out(k, h)
        }
    }
    fn rand_val(&mut self, n: usize) -> S {
        match self.rng.below(10) {
            0 => S::I32,
            1 => S::I64,
            2 => S::F32,
            3 => S::F64,
            _ => {
                let nullable = self.rng.chance(60);
                S::Ref(nullable, self.rand_heap(n))
            }
        }
    }
    fn rand_field(&mut self, n: usize) -> F {
        let mutable = self.rng.chance(40);
        let s = match self.rng.below(10) {
            0 => S::I8,
            1 => S::I16,
            _ => self.rand_val(n),
        };
        F { mutable, s }
    }
    fn rand_comp(&mut self, n: usize) -> C {
        match self.rng.below(3) {
            0 => {
                let np = self.rng.below(4);
                let nr = self.rng.below(3);
                C::Func(
                    (0..np).map(|_| self.rand_val(n)).collect(),
                    (0..nr).map(|_| self.rand_val(n)).collect(),
                )
            }
            1 => {
                let nf = self.rng.below(5);
                C::Struct((0..nf).map(|_| self.rand_field(n)).collect())
            }
            _ => C::Array(self.rand_field(n)),
        }
    }

    /// The model heap type of `h` if it does not depend on the group being
    /// built.
    fn model_h(h: &H) -> Option<MH> {
        match h {
            H::Abs(i) => Some(MH::Abs(*i)),
            H::Out(k, _) => Some(MH::T(*k)),
            H::Rel(_) => None,
        }
    }

    /// A random subtype of `s` (or `s` itself).
    fn specialize(&mut self, s: &S) -> S {
        let S::Ref(n, h) = s else { return s.clone() };
        let nullable = *n && !self.rng.chance(30);
        let Some(mh) = Self::model_h(h) else {
            return S::Ref(nullable, h.clone());
        };
        if self.rng.chance(50) {
            return S::Ref(nullable, h.clone());
        }
        let mut cands: Vec<H> = (0..N_ABS)
            .filter(|&i| self.model.sub_h(MH::Abs(i), mh))
            .map(H::Abs)
            .collect();
        for (k, lh) in &self.live {
            if self.model.sub_h(MH::T(*k), mh) {
                cands.push(H::Out(*k, lh.clone()));
            }
        }
        let pick = cands.swap_remove(self.rng.below(cands.len()));
        S::Ref(nullable, pick)
    }

    /// A random supertype of `s` (or `s` itself).
    fn generalize(&mut self, s: &S) -> S {
        let S::Ref(n, h) = s else { return s.clone() };
        let nullable = *n || self.rng.chance(30);
        let Some(mh) = Self::model_h(h) else {
            return S::Ref(nullable, h.clone());
        };
        if self.rng.chance(50) {
            return S::Ref(nullable, h.clone());
        }
        let cands: Vec<usize> = (0..N_ABS)
            .filter(|&i| self.model.sub_h(mh, MH::Abs(i)))
            .collect();
        S::Ref(nullable, H::Abs(cands[self.rng.below(cands.len())]))
    }

    /// A definition matching `base` (valid subtype), or with `break_it` a
    /// definition that does not (when possible).
    fn derive(&mut self, base: &C, n: usize, break_it: bool) -> (C, bool) {
        let mut broken = false;
        let c = match base {
            C::Struct(fs) => {
                let mut out: Vec<F> = fs
                    .iter()
                    .map(|f| {
                        if !f.mutable && self.rng.chance(40) {
                            F {
                                mutable: false,
                                s: self.specialize(&f.s),
                            }
                        } else {
                            f.clone()
                        }
                    })
                    .collect();
                let mut popped = false;
                if break_it && !out.is_empty() {
                    if self.rng.chance(50) {
                        out.pop();
                        popped = true;
                    } else {
                        let i = self.rng.below(out.len());
                        out[i].mutable = !out[i].mutable;
                    }
                    broken = true;
                }
                // (Appending after a pop could restore a matching prefix.)
                if !popped {
                    for _ in 0..self.rng.below(3) {
                        let f = self.rand_field(n);
                        out.push(f);
                    }
                }
                C::Struct(out)
            }
            C::Func(p, r) => {
                let mut p: Vec<S> = p.iter().map(|s| self.generalize(s)).collect();
                let r: Vec<S> = r.iter().map(|s| self.specialize(s)).collect();
                if break_it {
                    p.push(S::I32);
                    broken = true;
                }
                C::Func(p, r)
            }
            C::Array(f) => {
                let mut f = if !f.mutable {
                    F {
                        mutable: false,
                        s: self.specialize(&f.s),
                    }
                } else {
                    f.clone()
                };
                if break_it {
                    f.mutable = !f.mutable;
                    broken = true;
                }
                C::Array(f)
            }
        };
        (c, broken)
    }

    fn step_build(&mut self) {
        let n = if self.rng.chance(35) {
            1 + self.rng.below(4)
        } else {
            1
        };
        let mut specs: Vec<Spec> = Vec::with_capacity(n);
        let mut depths: Vec<usize> = Vec::with_capacity(n);
        let mut expect_ok = true;
        for j in 0..n {
            let is_final = self.rng.chance(25);
            let r = self.rng.below(100);
            let break_it = self.rng.chance(4);
            let (sup, base, sup_depth, sup_final) = if r < 30 && !self.live.is_empty() {
                let (k, h) = self.live[self.rng.below(self.live.len())].clone();
                if self.model.types[k].is_final && !self.rng.chance(10) {
                    (None, None, 0, false)
                } else {
                    let base = spec_c_of(&self.model, k, &h);
                    let d = self.model.depth(k);
                    (
                        Some(Sup::Out(k, h)),
                        Some(base),
                        d,
                        self.model.types[k].is_final,
                    )
                }
            } else if r < 45 && j > 0 {
                let i = self.rng.below(j);
                if specs[i].is_final && !self.rng.chance(10) {
                    (None, None, 0, false)
                } else {
                    (
                        Some(Sup::Rel(i as u32)),
                        Some(specs[i].c.clone()),
                        depths[i],
                        specs[i].is_final,
                    )
                }
            } else if r < 60 && !self.live.is_empty() {
                // Grow the deepest chain.
                let best = self
                    .live
                    .iter()
                    .filter(|(k, _)| !self.model.types[*k].is_final)
                    .max_by_key(|(k, _)| self.model.depth(*k))
                    .cloned();
                match best {
                    Some((k, h)) => {
                        let base = spec_c_of(&self.model, k, &h);
                        let d = self.model.depth(k);
                        (Some(Sup::Out(k, h)), Some(base), d, false)
                    }
                    None => (None, None, 0, false),
                }
            } else {
                (None, None, 0, false)
            };
            let (c, depth) = match &base {
                Some(base) => {
                    let (c, broken) = self.derive(base, n, break_it);
                    if broken || sup_final {
                        expect_ok = false;
                    }
                    (c, sup_depth + 1)
                }
                None => (self.rand_comp(n), 0),
            };
            if depth > 63 {
                expect_ok = false;
            }
            depths.push(depth);
            specs.push(Spec { is_final, sup, c });
        }
        let before = self.engine.registered_types();
        let via_module = self.use_modules && self.rng.chance(40);
        let result = if via_module {
            build_via_module(self.engine, &self.model, &specs)
        } else {
            build(self.engine, &specs)
        };
        match result {
            Ok(types) => {
                assert!(
                    expect_ok,
                    "an invalid group was accepted: {:?}",
                    specs.iter().map(desc).collect::<Vec<_>>()
                );
                let nums = self.model.intern(&specs);
                assert_eq!(nums.len(), types.len());
                for (t, h) in nums.into_iter().zip(types) {
                    self.max_depth = self.max_depth.max(self.model.depth(t));
                    // Keep most of the group's types (dropping some
                    // immediately exercises partial handles).
                    if self.rng.chance(85) {
                        self.live.push((t, h));
                    }
                }
                self.built += 1;
                self.from_modules += via_module as usize;
            }
            Err(e) => {
                assert!(
                    !expect_ok,
                    "a valid group was rejected ({e}): {:?}",
                    specs.iter().map(desc).collect::<Vec<_>>()
                );
                assert_eq!(
                    self.engine.registered_types(),
                    before,
                    "a failed build changed the registry"
                );
                self.rejected += 1;
            }
        }
    }

    fn step(&mut self) {
        let r = self.rng.below(100);
        let crowded = self.live.len() > 120;
        if r < 55 && !crowded {
            self.step_build();
        } else if r < 85 && !self.live.is_empty() {
            let i = self.rng.below(self.live.len());
            self.live.swap_remove(i);
        } else if r < 92 && !self.live.is_empty() {
            let i = self.rng.below(self.live.len());
            let x = self.live[i].clone();
            self.live.push(x);
        } else if !self.live.is_empty() {
            // Handles read out of definitions keep their types alive too.
            let (k, h) = self.live[self.rng.below(self.live.len())].clone();
            let c = spec_c_of(&self.model, k, &h);
            let mut add = |s: &S| {
                if let S::Ref(_, H::Out(k, h)) = s {
                    self.live.push((*k, h.clone()));
                }
            };
            match &c {
                C::Func(p, r) => p.iter().chain(r.iter()).for_each(&mut add),
                C::Struct(fs) => fs.iter().for_each(|f| add(&f.s)),
                C::Array(f) => add(&f.s),
            }
            drop(c);
            drop(h);
            // The parent handle may now go.
            if self.rng.chance(50) {
                let i = self.live.iter().position(|(kk, _)| *kk == k).unwrap();
                self.live.swap_remove(i);
            }
        }
        assert_eq!(
            self.engine.registered_types(),
            self.model.expected_registered(&self.live),
            "registered types differ from the model's reachable types"
        );
    }

    fn check_all_pairs(&self) {
        let mut all: Vec<(MH, HeapType)> = (0..N_ABS).map(|i| (MH::Abs(i), abs_heap(i))).collect();
        all.extend(self.live.iter().map(|(k, h)| (MH::T(*k), h.clone())));
        for (ma, a) in &all {
            for (mb, b) in &all {
                let expect = self.model.sub_h(*ma, *mb);
                assert_eq!(a.matches(b), expect, "{a} <: {b} (model {ma:?} <: {mb:?})");
                let ra = RefType::new(false, a.clone());
                let rb = RefType::new(true, b.clone());
                assert_eq!(ra.matches(&rb), expect);
                assert!(!rb.matches(&ra));
                assert_eq!(
                    HeapType::eq(a, b),
                    ma == mb || (expect && self.model.sub_h(*mb, *ma))
                );
            }
        }
        // Finality and declared supertypes read back through the API.
        for (k, h) in &self.live {
            let t = &self.model.types[*k];
            let (fin, sup) = match h {
                HeapType::ConcreteFunc(f) => {
                    (f.finality(), f.supertype().map(HeapType::ConcreteFunc))
                }
                HeapType::ConcreteStruct(s) => {
                    (s.finality(), s.supertype().map(HeapType::ConcreteStruct))
                }
                HeapType::ConcreteArray(a) => {
                    (a.finality(), a.supertype().map(HeapType::ConcreteArray))
                }
                _ => unreachable!(),
            };
            assert_eq!(fin == Finality::Final, t.is_final);
            assert_eq!(sup.is_some(), t.sup.is_some());
            if let (Some(sup), Some(ms)) = (sup, t.sup) {
                for (k2, h2) in &self.live {
                    assert_eq!(HeapType::eq(&sup, h2), *k2 == ms);
                }
            }
        }
    }
}

fn run(seed: u64, steps: usize, use_modules: bool) {
    let engine = Engine::default();
    let start = engine.registered_types();
    let mut g = Gen {
        rng: Rng(seed),
        model: Model::default(),
        live: Vec::new(),
        engine: &engine,
        built: 0,
        rejected: 0,
        max_depth: 0,
        use_modules,
        from_modules: 0,
    };
    for i in 0..steps {
        g.step();
        if i % 150 == 149 {
            g.check_all_pairs();
        }
    }
    g.check_all_pairs();
    eprintln!(
        "seed {seed:#x}: {} groups built ({} from modules, {} canonical hits), {} rejected, {} model types, max depth {}, {} live",
        g.built,
        g.from_modules,
        g.model.hits,
        g.rejected,
        g.model.types.len(),
        g.max_depth,
        g.live.len()
    );
    assert!(g.built > steps / 5, "too few groups built: {}", g.built);
    assert!(g.rejected > 0, "no invalid group was tried");
    assert!(g.model.hits > 0, "no group was built twice");
    assert_eq!(g.from_modules > 0, use_modules);
    assert!(g.max_depth >= 40, "chains too shallow: {}", g.max_depth);
    // Drop everything in random order, checking the count at every step.
    while !g.live.is_empty() {
        let i = g.rng.below(g.live.len());
        g.live.swap_remove(i);
        assert_eq!(
            engine.registered_types(),
            g.model.expected_registered(&g.live)
        );
    }
    assert_eq!(engine.registered_types(), start);
}

#[test]
fn random_forests_seed_1() {
    run(0x9e37_79b9_7f4a_7c15, 3000, false);
}

#[test]
fn random_forests_seed_2() {
    run(0xdead_beef_cafe_f00d, 3000, false);
}

#[test]
fn random_forests_many_seeds() {
    for seed in 1..=8u64 {
        run(seed.wrapping_mul(0x0123_4567_89ab_cdef) | 1, 1000, false);
    }
}

#[test]
fn random_forests_with_modules() {
    for seed in [7u64, 0x5eed_5eed_5eed_5eed, 0xfeed_face_0bad_f00d] {
        run(seed, 1500, true);
    }
}
