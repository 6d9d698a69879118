//! The CLI's contract: exit 0 verified, 1 rejected, 2 usage or input error — never a crash (101).

use std::path::Path;
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_domainsig"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("runs")
}

const POLICY: &str = "examples/pypi/policy.json";
const ATTESTATION: &str = "examples/pypi/pypi_attestations-0.0.19.tar.gz.publish.attestation";
const ARTIFACT: &str = "examples/pypi/pypi_attestations-0.0.19.tar.gz";
const NAME: &str = "pypi_attestations-0.0.19.tar.gz";

fn verify(extra: &[&str]) -> Output {
    let mut a = vec!["verify", "--policy", POLICY, "--index-domain", "pypi.org"];
    a.extend_from_slice(extra);
    run(&a)
}

#[test]
fn the_readme_example_verifies() {
    let out = verify(&["--bundle", ATTESTATION, "--name", NAME, ARTIFACT]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("OK: verified"));
}

#[test]
fn json_output_carries_status_and_facts() {
    let out = verify(&["--bundle", ATTESTATION, "--name", NAME, "--json", ARTIFACT]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(v["status"], "OK");
    assert_eq!(v["code"], 0);
    assert_eq!(v["verified"]["signer"]["issuer"], "https://token.actions.githubusercontent.com");
    assert!(v["verified"]["tlog_entries"][0]["inclusion_proof"].as_bool().unwrap_or(false));
}

#[test]
fn rejections_exit_1_with_a_reason() {
    // Re-hosted under another name: the statement subject names a different file.
    let out = verify(&["--bundle", ATTESTATION, "--name", "pypi_attestations-0.0.20.tar.gz", ARTIFACT]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with("SUBJECT_MISMATCH"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Another artifact's bytes.
    let out = verify(&["--bundle", ATTESTATION, "--name", NAME, "Cargo.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("ARTIFACT_MISMATCH"));
    // Garbage as a bundle is a rejection of untrusted input, not a usage error.
    let out = verify(&["--bundle", "Cargo.toml", "--name", NAME, ARTIFACT]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("BUNDLE_MALFORMED"));
}

#[test]
fn usage_and_unreadable_inputs_exit_2() {
    let missing = "does/not/exist.json";
    assert!(!Path::new(missing).exists());
    for args in [
        vec![],
        vec!["frobnicate"],
        vec!["verify"],
        vec!["verify", "--policy", POLICY, "--bundle", missing, ARTIFACT],
        vec!["verify", "--policy", missing, "--bundle", ATTESTATION, ARTIFACT],
        vec!["verify", "--policy", "Cargo.toml", "--bundle", ATTESTATION, ARTIFACT],
        vec!["verify", "--policy", POLICY, "--bundle", ATTESTATION, missing],
        vec!["verify", "--policy", POLICY, "--bundle", ATTESTATION, "--digest", "sha256:zz"],
        vec!["verify", "--policy", POLICY, "--bundle", ATTESTATION, "--unknown-flag", ARTIFACT],
        vec!["verify-bundle", "--bundle", ATTESTATION, ARTIFACT],
        vec!["verify-dir", "--policy", POLICY, missing],
        vec!["explain-policy", missing],
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(!out.stderr.is_empty(), "{args:?} says why");
    }
}

#[test]
fn explain_policy_and_version() {
    let out = run(&["explain-policy", POLICY]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!out.stdout.is_empty());
    let out = run(&["--version"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), format!("domainsig {}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn verify_dir_reports_each_item() {
    let dir = std::env::temp_dir().join(format!("domainsig-cli-dir-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(root.join(ARTIFACT), dir.join(NAME)).unwrap();
    std::fs::copy(root.join(ATTESTATION), dir.join(format!("{NAME}.publish.attestation"))).unwrap();
    // A second artifact whose bundle is for other bytes.
    std::fs::write(dir.join("other-1.0.tar.gz"), b"not the release").unwrap();
    std::fs::copy(root.join(ATTESTATION), dir.join("other-1.0.tar.gz.publish.attestation")).unwrap();
    let out = run(&["verify-dir", "--policy", POLICY, "--index-domain", "pypi.org", "--json", dir.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(out.status.code(), Some(1), "one item is rejected");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["verified"], 1);
    assert_eq!(v["rejected"], 1);
    let statuses: Vec<&str> = v["results"].as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["ARTIFACT_MISMATCH", "OK"]);
}

/// Runs the CLI with its address space capped at 1 GiB (`ulimit -v`): reading any input whole
/// without a bound (`/dev/zero`, an endless FIFO) then dies allocating instead of passing.
fn run_capped(args: &[&str]) -> Output {
    Command::new("sh")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("-c")
        .arg("ulimit -v 1048576 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_domainsig"))
        .args(args)
        .output()
        .expect("runs")
}

fn assert_limit(args: &[&str], out: &Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(stderr.contains("LIMIT_EXCEEDED"), "{args:?}: {stderr}");
}

#[cfg(unix)]
#[test]
fn endless_inputs_are_refused_after_their_limit() {
    // The cap leaves room for a real verification (the control), not for an unbounded read.
    let out = run_capped(&[
        "verify",
        "--policy",
        POLICY,
        "--index-domain",
        "pypi.org",
        "--bundle",
        ATTESTATION,
        "--name",
        NAME,
        ARTIFACT,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let dir = std::env::temp_dir().join(format!("domainsig-cli-endless-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let zero_root = dir.join("zero-root-policy.json");
    std::fs::write(&zero_root, r#"{"version": 1, "trusted_root": {"path": "/dev/zero"}}"#).unwrap();
    let zero_root = zero_root.to_str().unwrap();
    let cases: Vec<Vec<&str>> = vec![
        vec!["verify", "--policy", POLICY, "--bundle", "/dev/zero", ARTIFACT],
        vec!["verify", "--policy", "/dev/zero", "--bundle", ATTESTATION, ARTIFACT],
        vec!["verify", "--policy", zero_root, "--bundle", ATTESTATION, ARTIFACT],
        vec!["explain-policy", "/dev/zero"],
        vec![
            "verify-bundle",
            "--bundle",
            "/dev/zero",
            "--certificate-identity",
            "i",
            "--certificate-oidc-issuer",
            "o",
            ARTIFACT,
        ],
        vec!["verify-bundle", "--bundle", ATTESTATION, "--key", "/dev/zero", ARTIFACT],
        vec![
            "verify-bundle",
            "--trusted-root",
            "/dev/zero",
            "--bundle",
            ATTESTATION,
            "--certificate-identity",
            "i",
            "--certificate-oidc-issuer",
            "o",
            ARTIFACT,
        ],
    ];
    for args in &cases {
        assert_limit(args, &run_capped(args));
    }
    // The same through a FIFO fed without end: `yes` dies of SIGPIPE once the reader stops.
    let fifo = dir.join("endless");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let fifo = fifo.to_str().unwrap();
    for flag in ["--bundle", "--policy"] {
        let mut writer = Command::new("sh").arg("-c").arg("exec yes > \"$0\"").arg(fifo).spawn().unwrap();
        let args = match flag {
            "--bundle" => ["verify", "--policy", POLICY, "--bundle", fifo, ARTIFACT],
            _ => ["verify", "--policy", fifo, "--bundle", ATTESTATION, ARTIFACT],
        };
        let out = run_capped(&args);
        let _ = writer.kill();
        let _ = writer.wait();
        assert_limit(&args, &out);
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// Every shared npm case through `domainsig verify`: the whole attestations document as
/// `--bundle`, the purl as `--name`, one call per package (tests/npm, tests/npm_verdicts.json).
#[test]
fn npm_documents_verify_in_one_call_each() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let npm = root.join("tests/npm");
    let verdicts: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("tests/npm_verdicts.json")).unwrap()).unwrap();
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("npm-cli-policies");
    std::fs::create_dir_all(&tmp).unwrap();
    let mut n = 0;
    for (case, want) in verdicts["statuses"].as_object().unwrap() {
        let dir = npm.join(case);
        let expect: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("expect.json")).unwrap()).unwrap();
        let policy = serde_json::json!({
            "version": 1,
            "trusted_root": {"path": root.join("tests/vectors/_roots/public-good-production.trusted_root.json")},
            "identities": [{"issuer": expect["provenance"]["identity_issuer"], "san": expect["provenance"]["identity_san"]}],
            "keys": [{"path": npm.join("_keys/160677eb6e1c7083c89b166b20f8fe4e837fb71181506aff1991b80b89184f7d.keys.json"),
                      "usage": "npm:attestations", "domain": "registry.npmjs.org"}],
        });
        let pfile = tmp.join(format!("{case}.json"));
        std::fs::write(&pfile, policy.to_string()).unwrap();
        let artifact = if dir.join("artifact.tgz").is_file() {
            dir.join("artifact.tgz").to_string_lossy().into_owned()
        } else {
            std::fs::read_to_string(dir.join("artifact.digest")).unwrap().trim().to_owned()
        };
        let doc = dir.join("attestations.json");
        let out = run(&[
            "verify",
            "--policy",
            pfile.to_str().unwrap(),
            "--bundle",
            doc.to_str().unwrap(),
            "--name",
            expect["purl"].as_str().unwrap(),
            "--index-domain",
            "registry.npmjs.org",
            "--json",
            &artifact,
        ]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{case}: {e}"));
        assert_eq!(&v["status"], want, "{case}: {v}");
        assert_eq!(out.status.code(), Some(if want == "OK" { 0 } else { 1 }), "{case}");
        n += 1;
    }
    assert_eq!(n, 43);
}

#[test]
fn the_readme_npm_example_verifies_and_explains_its_keys() {
    let doc = "tests/npm/npm-cli--sigstore-1.0.0/attestations.json";
    let tgz = "tests/npm/npm-cli--sigstore-1.0.0/artifact.tgz";
    let base = ["verify", "--policy", "examples/npm/policy.json", "--bundle", doc, "--json"];
    let mut a = base.to_vec();
    a.extend(["--name", "pkg:npm/sigstore@1.0.0", "--index-domain", "registry.npmjs.org", tgz]);
    let out = run(&a);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["status"], "OK", "{v}");
    assert_eq!(v["decision"]["identity_list"], "packages[\"sigstore\"].identities");
    let atts = v["decision"]["attestations"].as_array().unwrap();
    assert!(atts.iter().any(|a| a["signer"]["keyid"] == "SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA"), "{v}");
    // Fetched from a registry the document was not published to.
    let mut a = base.to_vec();
    a.extend(["--name", "pkg:npm/sigstore@1.0.0", "--index-domain", "npm.evil.example", tgz]);
    let v: serde_json::Value = serde_json::from_slice(&run(&a).stdout).expect("JSON");
    assert_eq!(v["status"], "DOMAIN_MISMATCH", "{v}");
    let out = run(&["explain-policy", "examples/npm/policy.json"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("keyid SHA256:DhQ8wR5APBvFHLF/+Tc+AYvPOdTpcIDqOhxsBHRwC7U"), "{text}");
    assert!(text.contains("binds to registry.npmjs.org"), "{text}");
}

#[test]
fn trust_update_and_status_exit_codes() {
    let cache = std::env::temp_dir().join(format!("domainsig-cli-tuf-{}", std::process::id()));
    let cache_s = cache.to_string_lossy().into_owned();
    let state = "tests/tuf/sigstore-public-good/2026-08-21";
    let root = "tests/tuf/sigstore-public-good/2026-08-21/12.root.json";
    // Root v15 expired on 2026-11-20: refused by TUF (1), with the reason, and no cache left.
    let out = run(&["trust", "update", "--repo", state, "--root", root, "--cache", &cache_s]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("TUF_EXPIRED"));
    // Nothing cached: status is an input error (2) that says how to update.
    let out = run(&["trust", "status", "--repo", state, "--root", root, "--cache", &cache_s]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("domainsig trust update"));
    // Usage: a custom repository needs its bootstrap root; unknown verbs and options.
    assert_eq!(run(&["trust", "update", "--repo", state]).status.code(), Some(2));
    assert_eq!(run(&["trust", "frobnicate"]).status.code(), Some(2));
    assert_eq!(run(&["trust", "status", "--bogus"]).status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&cache);
}

/// README's walkthrough: update from a local repository (tests/tuf/doors: signed by the tests'
/// own keys, valid until 2099, its target Sigstore's real trusted_root.json), then verify a real
/// bundle under a policy whose trusted root is that repository's verified target.
#[test]
fn trust_update_from_a_local_repository_then_verify_with_it() {
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("tuf-walkthrough-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&cache);
    let cache_s = cache.to_string_lossy().into_owned();
    let (repo, root) = ("tests/tuf/doors", "tests/tuf/doors/1.root.json");
    let out = run(&["trust", "update", "--repo", repo, "--root", root, "--cache", &cache_s]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let policy = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("tuf-walkthrough-{}.json", std::process::id()));
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::write(
        &policy,
        serde_json::json!({
            "version": 1,
            "trusted_root": {"tuf": {"repo": here.join(repo), "root": here.join(root)}, "cache": cache_s},
            "identities": [{"issuer": "https://token.actions.githubusercontent.com",
                "san": "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"}],
            "domains": {"mode": "ignore"}, "subject": {"require_name": false}
        })
        .to_string(),
    )
    .unwrap();
    let v = "tests/vectors/conformance--happy-path-v0.3";
    let p = policy.to_string_lossy();
    let bundle = format!("{v}/bundle.sigstore.json");
    let artifact = format!("{v}/artifact");
    let out = run(&["verify", "--policy", &p, "--bundle", &bundle, &artifact]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    // The same policy without the update step fails closed, saying how to update.
    let _ = std::fs::remove_dir_all(&cache);
    let out = run(&["verify", "--policy", &p, "--bundle", &bundle, &artifact]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("trust update"), "{}", String::from_utf8_lossy(&out.stderr));
    let _ = std::fs::remove_file(&policy);
}
