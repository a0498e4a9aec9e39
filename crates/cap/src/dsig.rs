//! Enveloped XML digital signatures (W3C XML-Signature) for CAP messages.
//!
//! Signing: RSA-SHA256 (PKCS #1 v1.5) or, with a P-256 key, ECDSA-SHA256; SHA-256 digest;
//! Exclusive C14N; the signer's certificate in `KeyInfo/X509Data`. The result verifies with
//! `xmlsec1 --verify`.
//!
//! Verification handles RSA-SHA256/384/512 and ECDSA-SHA256 on P-256, with inclusive (1.0, 1.1)
//! or exclusive canonicalization as the `SignedInfo` says, and a single `Reference URI=""` with
//! the enveloped-signature transform. The key is taken from the embedded certificate; no trust
//! chain is checked (the caller decides whom to trust from [`SignatureStatus::Valid::signer`]).
//!
//! Some CAP publishers (for example the WMO test messages from Seychelles and Togo) sign the
//! message without whitespace between elements and pretty-print it afterwards. When the strict
//! check fails, the verifier retries on that compact form and, if it matches, reports a valid
//! signature with `whitespace_normalized: true`. CAP has no mixed content, so whitespace
//! between elements carries no meaning.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256, Sha384, Sha512};
use x509_cert::Certificate;
use x509_cert::der::{Decode, DecodePem, Encode};

use crate::c14n::{self, Method, Options};
use crate::error::CapError;
use crate::schema::DSIG_NS;
use roxmltree::Document;

use crate::xml_tree::{self, XNode};

const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const RSA_SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384";
const RSA_SHA512: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512";
const ECDSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
const DIGEST_SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
const DIGEST_SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#sha384";
const DIGEST_SHA512: &str = "http://www.w3.org/2001/04/xmlenc#sha512";
const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_EC: &str = "1.2.840.10045.2.1";

/// The result of checking a message's signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureStatus {
    /// No `ds:Signature` element.
    NotSigned,
    /// The digest and the signature verify with the key of the embedded certificate.
    Valid {
        /// Signature algorithm URI.
        algorithm: String,
        /// Subject of the embedded certificate (RFC 4514 form).
        signer: String,
        /// End of the certificate's validity (UTC, RFC 3339).
        certificate_not_after: String,
        /// True when only the compact form (whitespace between elements removed) verifies.
        whitespace_normalized: bool,
    },
    /// A signature is present but does not verify; `reason` says why.
    Invalid { reason: String },
}

impl std::fmt::Display for SignatureStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SignatureStatus::NotSigned => write!(f, "not signed"),
            SignatureStatus::Valid {
                signer,
                certificate_not_after,
                whitespace_normalized,
                ..
            } => {
                write!(
                    f,
                    "signature valid (signer {signer}, certificate valid until {certificate_not_after})"
                )?;
                if *whitespace_normalized {
                    write!(
                        f,
                        " [signed before pretty-printing: verified with whitespace between elements removed]"
                    )?;
                }
                Ok(())
            }
            SignatureStatus::Invalid { reason } => write!(f, "signature INVALID: {reason}"),
        }
    }
}

/// Checks the enveloped signature of a CAP message. Never fails: problems are reported in the
/// returned status (malformed XML gives `Invalid`).
pub fn verify(xml: &str) -> SignatureStatus {
    let text = xml_tree::normalize(xml);
    match xml_tree::parse(&text) {
        Ok(doc) => verify_document(&doc),
        Err(e) => SignatureStatus::Invalid {
            reason: format!("cannot parse the message: {e}"),
        },
    }
}

fn dsig_child<'a>(e: XNode<'a>, local: &str) -> Result<XNode<'a>, String> {
    xml_tree::child(e, DSIG_NS, local)
        .ok_or_else(|| format!("<ds:{}> has no <ds:{local}>", e.tag_name().name()))
}

/// Decodes base64 strictly (whitespace allowed, non-canonical padding bits rejected).
fn b64(what: &str, text: &str) -> Result<Vec<u8>, String> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STANDARD
        .decode(compact.as_bytes())
        .map_err(|e| format!("{what} is not valid base64 ({e}); the value has been altered"))
}

struct Parsed<'a> {
    signature: XNode<'a>,
    signed_info: XNode<'a>,
    c14n_method: Method,
    signature_method: String,
    ref_method: Method,
    digest_method: String,
    digest_value: Vec<u8>,
    signature_value: Vec<u8>,
    certificate: Certificate,
}

fn prefix_list(e: XNode<'_>) -> Vec<String> {
    xml_tree::child(e, c14n::EXC_C14N, "InclusiveNamespaces")
        .and_then(|n| xml_tree::attr(n, "PrefixList"))
        .map(|s| s.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

fn parse_signature<'a>(doc: &'a Document<'a>) -> Result<Option<Parsed<'a>>, String> {
    let Some(signature) = xml_tree::child(doc.root_element(), DSIG_NS, "Signature") else {
        return Ok(None);
    };
    let signed_info = dsig_child(signature, "SignedInfo")?;
    let cm = dsig_child(signed_info, "CanonicalizationMethod")?;
    let cm_uri = xml_tree::attr(cm, "Algorithm").unwrap_or_default();
    let c14n_method = Method::from_uri(cm_uri, prefix_list(cm))
        .ok_or_else(|| format!("unsupported canonicalization method '{cm_uri}'"))?;
    let signature_method = xml_tree::attr(dsig_child(signed_info, "SignatureMethod")?, "Algorithm")
        .unwrap_or_default()
        .to_string();
    let references: Vec<XNode<'a>> = signed_info
        .children()
        .filter(|e| xml_tree::is(*e, DSIG_NS, "Reference"))
        .collect();
    let [reference] = references.as_slice() else {
        return Err(format!(
            "{} references found; exactly one (URI=\"\") is supported",
            references.len()
        ));
    };
    let reference = *reference;
    if xml_tree::attr(reference, "URI") != Some("") {
        return Err(format!(
            "reference URI {:?} is not supported; CAP signatures sign the whole message (URI=\"\")",
            xml_tree::attr(reference, "URI").unwrap_or("(absent)")
        ));
    }
    let mut enveloped = false;
    // Default for the octet stream of a node set: Canonical XML 1.0.
    let mut ref_method = Method::Inclusive;
    if let Some(transforms) = xml_tree::child(reference, DSIG_NS, "Transforms") {
        for t in transforms
            .children()
            .filter(|e| xml_tree::is(*e, DSIG_NS, "Transform"))
        {
            let uri = xml_tree::attr(t, "Algorithm").unwrap_or_default();
            if uri == ENVELOPED {
                enveloped = true;
            } else if let Some(m) = Method::from_uri(uri, prefix_list(t)) {
                ref_method = m;
            } else {
                return Err(format!("unsupported transform '{uri}'"));
            }
        }
    }
    if !enveloped {
        return Err("the reference lacks the enveloped-signature transform".into());
    }
    let digest_method = xml_tree::attr(dsig_child(reference, "DigestMethod")?, "Algorithm")
        .unwrap_or_default()
        .to_string();
    let digest_value = b64(
        "DigestValue",
        &xml_tree::text(dsig_child(reference, "DigestValue")?),
    )?;
    let signature_value = b64(
        "SignatureValue",
        &xml_tree::text(dsig_child(signature, "SignatureValue")?),
    )?;
    let cert_el = xml_tree::child(signature, DSIG_NS, "KeyInfo")
        .and_then(|k| xml_tree::child(k, DSIG_NS, "X509Data"))
        .and_then(|x| xml_tree::child(x, DSIG_NS, "X509Certificate"))
        .ok_or("no KeyInfo/X509Data/X509Certificate: the signer's certificate is required")?;
    let der = b64("X509Certificate", &xml_tree::text(cert_el))?;
    let certificate =
        Certificate::from_der(&der).map_err(|e| format!("the certificate cannot be read: {e}"))?;
    Ok(Some(Parsed {
        signature,
        signed_info,
        c14n_method,
        signature_method,
        ref_method,
        digest_method,
        digest_value,
        signature_value,
        certificate,
    }))
}

fn digest(method: &str, data: &[u8]) -> Result<Vec<u8>, String> {
    match method {
        DIGEST_SHA256 => Ok(Sha256::digest(data).to_vec()),
        DIGEST_SHA384 => Ok(Sha384::digest(data).to_vec()),
        DIGEST_SHA512 => Ok(Sha512::digest(data).to_vec()),
        other => Err(format!("unsupported digest method '{other}'")),
    }
}

fn spki_der(cert: &Certificate) -> Result<(String, Vec<u8>), String> {
    let spki = &cert.tbs_certificate.subject_public_key_info;
    let der = spki.to_der().map_err(|e| format!("certificate key: {e}"))?;
    Ok((spki.algorithm.oid.to_string(), der))
}

fn check_signature(
    method: &str,
    cert: &Certificate,
    message: &[u8],
    sig: &[u8],
) -> Result<(), String> {
    use rsa::pkcs8::DecodePublicKey;
    use rsa::signature::Verifier;
    let (oid, der) = spki_der(cert)?;
    let bad = |e: rsa::signature::Error| format!("the signature value does not match ({e})");
    match method {
        RSA_SHA256 | RSA_SHA384 | RSA_SHA512 => {
            if oid != OID_RSA {
                return Err(format!(
                    "signature method {method} but the certificate key is not RSA"
                ));
            }
            let key = rsa::RsaPublicKey::from_public_key_der(&der)
                .map_err(|e| format!("certificate RSA key: {e}"))?;
            let s = rsa::pkcs1v15::Signature::try_from(sig).map_err(bad)?;
            match method {
                RSA_SHA256 => rsa::pkcs1v15::VerifyingKey::<Sha256>::new(key).verify(message, &s),
                RSA_SHA384 => rsa::pkcs1v15::VerifyingKey::<Sha384>::new(key).verify(message, &s),
                _ => rsa::pkcs1v15::VerifyingKey::<Sha512>::new(key).verify(message, &s),
            }
            .map_err(bad)
        }
        ECDSA_SHA256 => {
            if oid != OID_EC {
                return Err(format!(
                    "signature method {method} but the certificate key is not an EC key"
                ));
            }
            let key = p256::ecdsa::VerifyingKey::from_public_key_der(&der)
                .map_err(|e| format!("certificate key is not a P-256 key: {e}"))?;
            let s = p256::ecdsa::Signature::from_slice(sig).map_err(bad)?;
            key.verify(message, &s).map_err(bad)
        }
        other => Err(format!("unsupported signature method '{other}'")),
    }
}

/// Verifies digest and signature in one whitespace mode.
fn check_mode(doc: &Document<'_>, p: &Parsed<'_>, strip_blank: bool) -> Result<(), String> {
    let ref_opts = Options {
        method: p.ref_method.clone(),
        exclude: Some(p.signature),
        strip_blank,
    };
    // Strict mode: the whole document (PIs outside the root included), as XML-DSig defines
    // URI="". Compact mode: the root element only, as the compact-form signers do.
    let content = if strip_blank {
        c14n::subtree(doc.root_element(), &ref_opts)
    } else {
        c14n::document(doc, &ref_opts)
    };
    let computed = digest(&p.digest_method, content.as_bytes())?;
    if computed != p.digest_value {
        return Err("the digest of the message does not match DigestValue: the message was altered after signing".into());
    }
    let si_opts = Options {
        method: p.c14n_method.clone(),
        exclude: None,
        strip_blank,
    };
    let signed_info = c14n::subtree(p.signed_info, &si_opts);
    check_signature(
        &p.signature_method,
        &p.certificate,
        signed_info.as_bytes(),
        &p.signature_value,
    )
}

/// [`verify`] on a parsed document.
pub(crate) fn verify_document(doc: &Document<'_>) -> SignatureStatus {
    let parsed = match parse_signature(doc) {
        Ok(None) => return SignatureStatus::NotSigned,
        Ok(Some(p)) => p,
        Err(reason) => return SignatureStatus::Invalid { reason },
    };
    let strict = check_mode(doc, &parsed, false);
    let whitespace_normalized = match strict {
        Ok(()) => false,
        Err(strict_reason) => match check_mode(doc, &parsed, true) {
            Ok(()) => true,
            Err(_) => {
                return SignatureStatus::Invalid {
                    reason: strict_reason,
                };
            }
        },
    };
    let tbs = &parsed.certificate.tbs_certificate;
    let not_after = tbs.validity.not_after.to_date_time();
    SignatureStatus::Valid {
        algorithm: parsed.signature_method.clone(),
        signer: tbs.subject.to_string(),
        certificate_not_after: format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            not_after.year(),
            not_after.month(),
            not_after.day(),
            not_after.hour(),
            not_after.minutes(),
            not_after.seconds()
        ),
        whitespace_normalized,
    }
}

enum Key {
    Rsa(Box<rsa::RsaPrivateKey>),
    P256(p256::ecdsa::SigningKey),
}

fn read_key(pem: &str) -> Result<Key, CapError> {
    use p256::pkcs8::DecodePrivateKey as _;
    use rsa::pkcs1::DecodeRsaPrivateKey;
    if let Ok(k) = rsa::RsaPrivateKey::from_pkcs8_pem(pem) {
        return Ok(Key::Rsa(Box::new(k)));
    }
    if let Ok(k) = rsa::RsaPrivateKey::from_pkcs1_pem(pem) {
        return Ok(Key::Rsa(Box::new(k)));
    }
    if let Ok(k) = p256::ecdsa::SigningKey::from_pkcs8_pem(pem) {
        return Ok(Key::P256(k));
    }
    if let Ok(k) = p256::SecretKey::from_sec1_pem(pem) {
        return Ok(Key::P256(k.into()));
    }
    Err(CapError::Signing(
        "the private key is not an RSA (PKCS #8 or PKCS #1) or P-256 (PKCS #8 or SEC 1) PEM key"
            .into(),
    ))
}

/// The message without its blank text between elements: every whitespace-only text node
/// whose parent element also has element children is removed (CAP has no mixed content, so
/// such text carries no meaning). An element whose only content is whitespace keeps it, as
/// libxml2 does when it parses with blank text removed.
fn compact(text: &str) -> Result<String, CapError> {
    let doc = xml_tree::parse(text)?;
    let mut cut: Vec<std::ops::Range<usize>> = doc
        .descendants()
        .filter(|n| {
            n.is_text()
                && n.text().is_some_and(|t| t.trim().is_empty())
                && n.parent_element()
                    .is_some_and(|p| p.children().any(|c| c.is_element()))
        })
        .map(|n| n.range())
        .collect();
    cut.sort_by_key(|r| r.start);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for r in cut {
        if r.start < at {
            continue;
        }
        out.push_str(&text[at..r.start]);
        at = r.end;
    }
    out.push_str(&text[at..]);
    Ok(out)
}

/// Signs a CAP message with an enveloped XML signature (SHA-256 digest, Exclusive C14N).
///
/// `key_pem`: RSA (RSA-SHA256) or P-256 (ECDSA-SHA256) private key; `cert_pem`: the matching
/// X.509 certificate, embedded in the signature. The message must not be signed already.
///
/// The compact form of the message is signed and returned: the blank text between elements
/// is removed first (see [`compact`]), and the signature is added as the last child of
/// `alert`. Verifiers that parse with blank text removed before checking the signature (the
/// WMO CAP validator `capvalidator`, lxml's `remove_blank_text`) then see the same bytes as
/// verifiers that keep every text node (xmlsec1, ours). Nothing else in the text changes (line
/// ends are normalized to LF).
pub fn sign(xml: &str, key_pem: &str, cert_pem: &str) -> Result<String, CapError> {
    use rsa::pkcs8::DecodePublicKey;
    use rsa::signature::{SignatureEncoding, Signer};
    let text = compact(&xml_tree::normalize(xml))?;
    let doc = xml_tree::parse(&text)?;
    crate::reader::root_version(&doc)?;
    if xml_tree::child(doc.root_element(), DSIG_NS, "Signature").is_some() {
        return Err(CapError::Signing("the message is already signed".into()));
    }
    let key = read_key(key_pem)?;
    let cert = Certificate::from_pem(cert_pem.trim().as_bytes()).map_err(|e| {
        CapError::Signing(format!(
            "the certificate is not a PEM X.509 certificate: {e}"
        ))
    })?;
    let (_, spki) = spki_der(&cert).map_err(CapError::Signing)?;
    let matches = match &key {
        Key::Rsa(k) => {
            rsa::RsaPublicKey::from_public_key_der(&spki).is_ok_and(|p| p == k.to_public_key())
        }
        Key::P256(k) => p256::ecdsa::VerifyingKey::from_public_key_der(&spki)
            .is_ok_and(|p| &p == k.verifying_key()),
    };
    if !matches {
        return Err(CapError::Signing(
            "the certificate does not belong to the private key".into(),
        ));
    }
    let cert_der = cert
        .to_der()
        .map_err(|e| CapError::Signing(format!("certificate: {e}")))?;
    let end = xml_tree::root_end_offset(&doc)
        .ok_or_else(|| CapError::Signing("the alert element has no end tag".into()))?;

    let digest_value = STANDARD.encode(Sha256::digest(
        c14n::document(
            &doc,
            &Options {
                method: Method::Exclusive(vec![]),
                exclude: None,
                strip_blank: false,
            },
        )
        .as_bytes(),
    ));
    let method = match key {
        Key::Rsa(_) => RSA_SHA256,
        Key::P256(_) => ECDSA_SHA256,
    };
    let exc = c14n::EXC_C14N;
    let placeholder = "<ds:SignatureValue></ds:SignatureValue>";
    let signature_xml = format!(
        "<ds:Signature xmlns:ds=\"{DSIG_NS}\"><ds:SignedInfo>\
         <ds:CanonicalizationMethod Algorithm=\"{exc}\"/>\
         <ds:SignatureMethod Algorithm=\"{method}\"/>\
         <ds:Reference URI=\"\"><ds:Transforms>\
         <ds:Transform Algorithm=\"{ENVELOPED}\"/><ds:Transform Algorithm=\"{exc}\"/>\
         </ds:Transforms><ds:DigestMethod Algorithm=\"{DIGEST_SHA256}\"/>\
         <ds:DigestValue>{digest_value}</ds:DigestValue></ds:Reference></ds:SignedInfo>\
         {placeholder}<ds:KeyInfo><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate>\
         </ds:X509Data></ds:KeyInfo></ds:Signature>",
        STANDARD.encode(cert_der)
    );
    let mut with_sig = String::with_capacity(text.len() + signature_xml.len() + 512);
    with_sig.push_str(&text[..end]);
    with_sig.push_str(&signature_xml);
    with_sig.push_str(&text[end..]);

    let doc2 = xml_tree::parse(&with_sig)?;
    let sig_el = xml_tree::child(doc2.root_element(), DSIG_NS, "Signature")
        .and_then(|s| xml_tree::child(s, DSIG_NS, "SignedInfo"))
        .ok_or_else(|| CapError::Signing("inserted signature not found".into()))?;
    let signed_info = c14n::subtree(
        sig_el,
        &Options {
            method: Method::Exclusive(vec![]),
            exclude: None,
            strip_blank: false,
        },
    );
    let sig_bytes = match &key {
        Key::Rsa(k) => rsa::pkcs1v15::SigningKey::<Sha256>::new((**k).clone())
            .sign(signed_info.as_bytes())
            .to_vec(),
        Key::P256(k) => {
            let s: p256::ecdsa::Signature = k.sign(signed_info.as_bytes());
            s.to_bytes().to_vec()
        }
    };
    let filled = format!(
        "<ds:SignatureValue>{}</ds:SignatureValue>",
        STANDARD.encode(sig_bytes)
    );
    Ok(with_sig.replacen(placeholder, &filled, 1))
}
