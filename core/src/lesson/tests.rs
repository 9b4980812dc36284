use super::*;

fn src(path: &str) -> Result<String, String> {
    builtin_scenario(path)
}

#[test]
fn placeholder() {
    let text = "id = \"x\"\ntitle = \"X\"\nminutes = 10\ngoals = [\"g\"]\n[[scenarios]]\nname = \"basic\"\nfile = \"scenarios/basic.toml\"\n[[steps]]\nrun = \"5s\"\n[[steps]]\nexpect = { lost-write = 0 }\n";
    let l = parse("t.toml", text, &src).unwrap();
    let r = run(&l);
    assert!(r.passed(), "{:?}", r.failures());
}
