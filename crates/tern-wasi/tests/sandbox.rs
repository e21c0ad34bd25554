//! Sandboxing: a guest reaches only its preopened directories. Every escape
//! (`..`, absolute paths, symlinks out — also dangling and looping ones —,
//! hard links out, renaming out, creating or removing outside) is refused
//! with the errno Wasmtime gives (`EPERM` for a path that would leave the
//! preopen, `ELOOP` for symlink loops and for a symlink opened without
//! following it), and nothing outside changes. Bad pointers give `EFAULT`.

use std::path::{Path, PathBuf};

use tern::{Engine, Instance, Linker, Module, Store, Val};
use tern_wasi::{DirPerms, FilePerms, MemoryOutputPipe, WasiCtx, WasiCtxBuilder};

const EBADF: i32 = 8;
const EFAULT: i32 = 21;
const EILSEQ: i32 = 25;
const EINVAL: i32 = 28;
const ELOOP: i32 = 32;
const ENOENT: i32 = 44;
const ENOTDIR: i32 = 54;
const EPERM: i32 = 63;

const RIGHTS_READ: i64 = 1 << 1;
const RIGHTS_WRITE: i64 = 1 << 6;
const O_CREAT: i32 = 1;
const FOLLOW: i32 = 1;
/// Where the test writes paths in guest memory.
const PATH: i32 = 1024;
const PATH2: i32 = 2048;
/// Where results are written.
const OUT: i32 = 64;

/// The WASI functions the tests call, with their parameter types.
const FUNCS: &[(&str, &str)] = &[
    ("path_open", "i32 i32 i32 i32 i32 i64 i64 i32 i32"),
    ("path_filestat_get", "i32 i32 i32 i32 i32"),
    ("path_link", "i32 i32 i32 i32 i32 i32 i32"),
    ("path_rename", "i32 i32 i32 i32 i32 i32"),
    ("path_symlink", "i32 i32 i32 i32 i32"),
    ("path_readlink", "i32 i32 i32 i32 i32 i32"),
    ("path_create_directory", "i32 i32 i32"),
    ("path_remove_directory", "i32 i32 i32"),
    ("path_unlink_file", "i32 i32 i32"),
    ("fd_read", "i32 i32 i32 i32"),
    ("fd_write", "i32 i32 i32 i32"),
    ("args_get", "i32 i32"),
    ("fd_prestat_dir_name", "i32 i32 i32"),
    ("poll_oneoff", "i32 i32 i32 i32"),
];

/// A guest exporting its memory and, for each of [`FUNCS`], a wasm function
/// of the same name that forwards its arguments to the WASI import (a host
/// function called directly by the host has no calling instance, hence no
/// memory).
fn guest() -> String {
    let mut wat = String::from("(module\n");
    for (name, params) in FUNCS {
        wat += &format!(
            "  (import \"wasi_snapshot_preview1\" \"{name}\" (func ${name} (param {params}) (result i32)))\n"
        );
    }
    wat += "  (memory (export \"memory\") 1)\n";
    for (name, params) in FUNCS {
        let args: String = (0..params.split(' ').count())
            .map(|i| format!(" (local.get {i})"))
            .collect();
        wat += &format!(
            "  (func (export \"{name}\") (param {params}) (result i32) (call ${name}{args}))\n"
        );
    }
    wat + ")"
}

/// A scratch tree: `outside/secret.txt` and `sandbox/` (preopened as `.`,
/// fd 3) holding `inside.txt`, `sub/`, and symlinks out, dangling, looping.
struct Fixture {
    root: PathBuf,
    store: Store<WasiCtx>,
    instance: Instance,
}

impl Fixture {
    fn new(name: &str) -> Fixture {
        use std::os::unix::fs::symlink;
        let root =
            std::env::temp_dir().join(format!("tern-wasi-sandbox-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let (outside, sandbox) = (root.join("outside"), root.join("sandbox"));
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::create_dir_all(sandbox.join("sub")).unwrap();
        std::fs::create_dir_all(root.join("readonly")).unwrap();
        std::fs::write(outside.join("secret.txt"), "secret").unwrap();
        std::fs::write(sandbox.join("inside.txt"), "inside").unwrap();
        std::fs::write(root.join("readonly/file.txt"), "ro").unwrap();
        symlink("../outside/secret.txt", sandbox.join("link_out")).unwrap();
        symlink(outside.join("secret.txt"), sandbox.join("link_abs")).unwrap();
        symlink("../outside", sandbox.join("dir_out")).unwrap();
        symlink("../../nonexistent", sandbox.join("sub/dangling_out")).unwrap();
        symlink("nonexistent", sandbox.join("dangling_in")).unwrap();
        symlink("loop_b", sandbox.join("loop_a")).unwrap();
        symlink("loop_a", sandbox.join("loop_b")).unwrap();
        symlink("../..", sandbox.join("sub/up")).unwrap();
        symlink("inside.txt", sandbox.join("link_in")).unwrap();

        let engine = Engine::default();
        let module = Module::new(&engine, guest()).unwrap();
        let wasi = WasiCtxBuilder::new()
            .stdout(MemoryOutputPipe::new())
            .arg("guest")
            .preopened_dir(&sandbox, ".", DirPerms::all(), FilePerms::all())
            .unwrap()
            .preopened_dir(root.join("readonly"), "ro", DirPerms::READ, FilePerms::READ)
            .unwrap()
            .build();
        let mut store = Store::new(&engine, wasi);
        let mut linker = Linker::new(&engine);
        tern_wasi::add_to_linker(&mut linker, |w: &mut WasiCtx| w).unwrap();
        let instance = linker.instantiate(&mut store, &module).unwrap();
        Fixture {
            root,
            store,
            instance,
        }
    }

    fn outside(&self) -> PathBuf {
        self.root.join("outside")
    }

    fn write_mem(&mut self, at: i32, bytes: &[u8]) {
        let mem = self.instance.get_memory(&mut self.store, "memory").unwrap();
        mem.write(&mut self.store, at as usize, bytes).unwrap();
    }

    fn read_u32(&mut self, at: i32) -> u32 {
        let mem = self.instance.get_memory(&mut self.store, "memory").unwrap();
        let mut b = [0u8; 4];
        mem.read(&self.store, at as usize, &mut b).unwrap();
        u32::from_le_bytes(b)
    }

    /// Calls WASI function `name` and returns its errno.
    fn call(&mut self, name: &str, args: &[Val]) -> i32 {
        let f = self.instance.get_func(&mut self.store, name).unwrap();
        let mut out = [Val::I32(0)];
        f.call(&mut self.store, args, &mut out).unwrap();
        out[0].i32().unwrap()
    }

    /// Writes `path` at `at` and returns its (pointer, length) arguments.
    fn path(&mut self, at: i32, path: &str) -> [Val; 2] {
        self.write_mem(at, path.as_bytes());
        [Val::I32(at), Val::I32(path.len() as i32)]
    }

    fn open_with(&mut self, dir: i32, follow: bool, path: &str, oflags: i32, rights: i64) -> i32 {
        let [p, l] = self.path(PATH, path);
        let flags = Val::I32(if follow { FOLLOW } else { 0 });
        let args = [
            Val::I32(dir),
            flags,
            p,
            l,
            Val::I32(oflags),
            Val::I64(rights),
            Val::I64(0),
            Val::I32(0),
            Val::I32(OUT),
        ];
        self.call("path_open", &args)
    }

    fn open(&mut self, path: &str, follow: bool) -> i32 {
        self.open_with(3, follow, path, 0, RIGHTS_READ)
    }

    /// A path function taking (fd, path) and maybe more `extra` arguments.
    fn at(&mut self, name: &str, path: &str) -> i32 {
        let [p, l] = self.path(PATH, path);
        self.call(name, &[Val::I32(3), p, l])
    }

    /// A function taking (fd, path, fd, path).
    fn two(&mut self, name: &str, from: &str, to: &str) -> i32 {
        let [p1, l1] = self.path(PATH, from);
        let [p2, l2] = self.path(PATH2, to);
        self.call(name, &[Val::I32(3), p1, l1, Val::I32(3), p2, l2])
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn opening_inside_works() {
    let mut f = Fixture::new("inside");
    assert_eq!(f.open("inside.txt", false), 0);
    assert!(f.read_u32(OUT) >= 5, "a new descriptor after the preopens");
    assert_eq!(f.open("sub/../inside.txt", false), 0);
    assert_eq!(f.open("./sub/./../inside.txt", false), 0);
    assert_eq!(f.open("link_in", true), 0, "a symlink inside is followed");
    assert_eq!(f.open("nope.txt", false), ENOENT);
    assert_eq!(f.open("dangling_in", true), ENOENT);
    assert_eq!(f.open("inside.txt/", false), ENOTDIR);
}

#[test]
fn dot_dot_and_absolute_paths_are_refused() {
    let mut f = Fixture::new("dotdot");
    assert_eq!(f.open("..", false), EPERM);
    assert_eq!(f.open("../outside/secret.txt", false), EPERM);
    assert_eq!(f.open("sub/../../outside/secret.txt", false), EPERM);
    assert_eq!(f.open("sub/../..", false), EPERM);
    assert_eq!(f.open("/", false), EPERM);
    assert_eq!(f.open("/etc/passwd", true), EPERM);
    let abs = f.outside().join("secret.txt");
    assert_eq!(f.open(abs.to_str().unwrap(), true), EPERM);
    // The read-only preopen (fd 4) cannot reach its sibling either.
    assert_eq!(
        f.open_with(4, true, "../outside/secret.txt", 0, RIGHTS_READ),
        EPERM
    );
    // Stat and create outside.
    let mut args = f.path(PATH, "../outside/secret.txt").to_vec();
    args.splice(0..0, [Val::I32(3), Val::I32(FOLLOW)]);
    args.push(Val::I32(OUT));
    assert_eq!(f.call("path_filestat_get", &args), EPERM);
    assert_eq!(f.at("path_create_directory", "../outside/new"), EPERM);
    assert_eq!(f.at("path_unlink_file", "../outside/secret.txt"), EPERM);
    assert_eq!(f.at("path_remove_directory", "../outside"), EPERM);
    assert_eq!(entries(&f.outside()), ["secret.txt"]);
}

#[test]
fn symlinks_leading_out_are_refused() {
    let mut f = Fixture::new("symlinks");
    assert_eq!(f.open("link_out", true), EPERM);
    assert_eq!(f.open("link_abs", true), EPERM);
    assert_eq!(f.open("dir_out/secret.txt", true), EPERM);
    assert_eq!(f.open("dir_out/secret.txt", false), EPERM);
    assert_eq!(f.open("sub/up/outside/secret.txt", false), EPERM);
    // Dangling links out are refused before anything else is looked at.
    assert_eq!(f.open("sub/dangling_out", true), EPERM);
    // Without following, the link itself is not opened (O_NOFOLLOW).
    assert_eq!(f.open("link_out", false), ELOOP);
    // Loops.
    assert_eq!(f.open("loop_a", true), ELOOP);
    assert_eq!(f.open("loop_a/x", false), ELOOP);
    // A new symlink may not point at an absolute path; a relative one out
    // may be created but not followed.
    let target = f.outside().join("secret.txt");
    let [p1, l1] = f.path(PATH, target.to_str().unwrap());
    let [p2, l2] = f.path(PATH2, "new_abs");
    assert_eq!(
        f.call("path_symlink", &[p1, l1, Val::I32(3), p2, l2]),
        EPERM
    );
    let [p1, l1] = f.path(PATH, "../outside/secret.txt");
    let [p2, l2] = f.path(PATH2, "new_rel");
    assert_eq!(f.call("path_symlink", &[p1, l1, Val::I32(3), p2, l2]), 0);
    assert_eq!(f.open("new_rel", true), EPERM);
    // Creating a symlink outside.
    let [p1, l1] = f.path(PATH, "x");
    let [p2, l2] = f.path(PATH2, "../outside/planted");
    assert_eq!(
        f.call("path_symlink", &[p1, l1, Val::I32(3), p2, l2]),
        EPERM
    );
    assert_eq!(entries(&f.outside()), ["secret.txt"]);
}

#[test]
fn hard_links_and_renames_out_are_refused() {
    let mut f = Fixture::new("links");
    let link = |f: &mut Fixture, from: &str, to: &str| {
        let [p1, l1] = f.path(PATH, from);
        let [p2, l2] = f.path(PATH2, to);
        f.call(
            "path_link",
            &[Val::I32(3), Val::I32(0), p1, l1, Val::I32(3), p2, l2],
        )
    };
    assert_eq!(link(&mut f, "../outside/secret.txt", "stolen"), EPERM);
    assert_eq!(link(&mut f, "inside.txt", "../outside/leaked"), EPERM);
    assert_eq!(link(&mut f, "dir_out/secret.txt", "stolen"), EPERM);
    // Following symlinks for the source is not supported (as Wasmtime).
    let [p1, l1] = f.path(PATH, "link_in");
    let [p2, l2] = f.path(PATH2, "x");
    let follow = [Val::I32(3), Val::I32(FOLLOW), p1, l1, Val::I32(3), p2, l2];
    assert_eq!(f.call("path_link", &follow), EINVAL);
    assert_eq!(link(&mut f, "inside.txt", "sub/linked"), 0);

    assert_eq!(
        f.two("path_rename", "inside.txt", "../outside/moved"),
        EPERM
    );
    assert_eq!(f.two("path_rename", "../outside/secret.txt", "here"), EPERM);
    assert_eq!(f.two("path_rename", "sub", "dir_out/sub"), EPERM);
    assert_eq!(
        f.two("path_rename", "inside.txt", "sub/up/outside/x"),
        EPERM
    );
    assert_eq!(f.two("path_rename", "inside.txt", "sub/moved.txt"), 0);
    assert_eq!(entries(&f.outside()), ["secret.txt"]);
    assert!(f.root.join("sandbox/sub/moved.txt").exists());
}

#[test]
fn read_only_preopens_refuse_changes() {
    let mut f = Fixture::new("readonly");
    assert_eq!(f.open_with(4, false, "file.txt", 0, RIGHTS_READ), 0);
    assert_eq!(f.open_with(4, false, "file.txt", 0, RIGHTS_WRITE), EPERM);
    assert_eq!(
        f.open_with(4, false, "new.txt", O_CREAT, RIGHTS_WRITE),
        EPERM
    );
    let [p, l] = f.path(PATH, "file.txt");
    assert_eq!(f.call("path_unlink_file", &[Val::I32(4), p, l]), EPERM);
    // Renaming between preopens of different permissions is refused too.
    let [p1, l1] = f.path(PATH, "inside.txt");
    let [p2, l2] = f.path(PATH2, "moved.txt");
    assert_eq!(
        f.call("path_rename", &[Val::I32(3), p1, l1, Val::I32(4), p2, l2]),
        EPERM
    );
    assert_eq!(entries(&f.root.join("readonly")), ["file.txt"]);
}

#[test]
fn bad_pointers_are_efault_and_bad_descriptors_ebadf() {
    let mut f = Fixture::new("pointers");
    let beyond = Val::I32(65536);
    // Path beyond memory, and a length running past its end.
    let open = |f: &mut Fixture, p: Val, l: Val, out: Val| {
        f.call(
            "path_open",
            &[
                Val::I32(3),
                Val::I32(0),
                p,
                l,
                Val::I32(0),
                Val::I64(RIGHTS_READ),
                Val::I64(0),
                Val::I32(0),
                out,
            ],
        )
    };
    assert_eq!(open(&mut f, beyond, Val::I32(1), Val::I32(OUT)), EFAULT);
    assert_eq!(
        open(&mut f, Val::I32(65530), Val::I32(100), Val::I32(OUT)),
        EFAULT
    );
    assert_eq!(
        open(&mut f, Val::I32(-1), Val::I32(-1), Val::I32(OUT)),
        EFAULT
    );
    let [p, l] = f.path(PATH, "inside.txt");
    assert_eq!(open(&mut f, p, l, Val::I32(65535)), EFAULT);
    f.write_mem(PATH, &[0xff, 0xfe]);
    assert_eq!(
        open(&mut f, Val::I32(PATH), Val::I32(2), Val::I32(OUT)),
        EILSEQ
    );
    // iovecs beyond memory, and a huge count.
    f.write_mem(0, &[0, 0, 0xff, 0xff, 16, 0, 0, 0]);
    let args = |iovs, n| [Val::I32(1), Val::I32(iovs), Val::I32(n), Val::I32(OUT)];
    assert_eq!(f.call("fd_write", &args(0, 1)), EFAULT);
    assert_eq!(f.call("fd_write", &args(8, i32::MAX)), EFAULT);
    assert_eq!(f.call("fd_read", &args(0, -1)), EFAULT);
    assert_eq!(f.call("args_get", &[Val::I32(65534), Val::I32(0)]), EFAULT);
    assert_eq!(
        f.call(
            "fd_prestat_dir_name",
            &[Val::I32(3), Val::I32(65536), Val::I32(10)]
        ),
        EFAULT
    );
    assert_eq!(
        f.call(
            "poll_oneoff",
            &[Val::I32(65500), Val::I32(0), Val::I32(100), Val::I32(OUT)]
        ),
        EFAULT
    );
    // 8000 iovecs each naming all of memory (500 MiB in all): a short
    // write of 64 MiB, not an allocation of the whole.
    let iovecs: Vec<u8> = (0..8000).flat_map(|_| [0, 0, 0, 0, 0, 0, 1, 0]).collect();
    f.write_mem(0, &iovecs);
    assert_eq!(f.call("fd_write", &args(0, 8000)), 0);
    assert_eq!(f.read_u32(OUT), 64 << 20);
    // Descriptors that are not open.
    assert_eq!(
        f.call(
            "fd_write",
            &[Val::I32(99), Val::I32(0), Val::I32(0), Val::I32(OUT)]
        ),
        EBADF
    );
    assert_eq!(f.open_with(99, false, "x", 0, RIGHTS_READ), EBADF);
    assert_eq!(f.open_with(-1, false, "x", 0, RIGHTS_READ), EBADF);
}

#[test]
fn readlink_reports_links_but_does_not_follow_them_out() {
    let mut f = Fixture::new("readlink");
    let [p, l] = f.path(PATH, "link_out");
    let args = [
        Val::I32(3),
        p,
        l,
        Val::I32(PATH2),
        Val::I32(100),
        Val::I32(OUT),
    ];
    assert_eq!(f.call("path_readlink", &args), 0);
    assert_eq!(f.read_u32(OUT) as usize, "../outside/secret.txt".len());
}
