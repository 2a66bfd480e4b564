// @peculiar/x509 uses decorators through tsyringe, which needs this polyfill loaded first.
import "reflect-metadata";
import { createPrivateKey, generateKeyPairSync, KeyObject, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as Crypto);

const algorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const validity = { notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 24 * 3600_000) };

export interface Pem {
  cert: string;
  key: string;
}

async function pemKey(keys: CryptoKeyPair): Promise<string> {
  return KeyObject.from(keys.privateKey as webcrypto.CryptoKey).export({ type: "pkcs8", format: "pem" }).toString();
}

async function newKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"])) as CryptoKeyPair;
}

export interface CertificateRequest {
  subject: string;
  usage: "server" | "client" | "both";
  ips?: string[];
  dnsNames?: string[];
}

/** A day-long CA that issues ECDSA certificates (fast to generate), one per component. */
export interface CertificateAuthority {
  ca: Pem;
  issue(request: CertificateRequest): Promise<Pem>;
}

export async function createCa(name: string, days = 1): Promise<CertificateAuthority> {
  const caKeys = await newKeys();
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: `CN=${name}`,
    notBefore: validity.notBefore,
    notAfter: new Date(Date.now() + days * 24 * 3600_000),
    keys: caKeys,
    signingAlgorithm: algorithm,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
  });
  return authority(caCert, caKeys.privateKey, await pemKey(caKeys));
}

/** A CA kept in PEM files (cert and PKCS#8 key), issuing again. */
export async function loadCa(pem: Pem): Promise<CertificateAuthority> {
  const der = createPrivateKey(pem.key).export({ type: "pkcs8", format: "der" });
  const privateKey = await webcrypto.subtle.importKey("pkcs8", der, algorithm, true, ["sign"]);
  return authority(new x509.X509Certificate(pem.cert), privateKey as CryptoKey, pem.key);
}

function authority(caCert: x509.X509Certificate, caKey: CryptoKey, caKeyPem: string): CertificateAuthority {
  let serial = Date.now();
  const usages = { server: [x509.ExtendedKeyUsage.serverAuth], client: [x509.ExtendedKeyUsage.clientAuth], both: [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth] };
  const issue = async (request: CertificateRequest): Promise<Pem> => {
    const keys = await newKeys();
    const names = [...(request.ips ?? []).map((value) => ({ type: "ip" as const, value })), ...(request.dnsNames ?? []).map((value) => ({ type: "dns" as const, value }))];
    serial += 1;
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial.toString(16).padStart(2, "0"),
      subject: request.subject,
      issuer: caCert.subject,
      ...validity,
      signingAlgorithm: algorithm,
      publicKey: keys.publicKey,
      signingKey: caKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        new x509.ExtendedKeyUsageExtension(usages[request.usage]),
        ...(names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : []),
      ],
    });
    return { cert: cert.toString("pem"), key: await pemKey(keys) };
  };
  return { ca: { cert: caCert.toString("pem"), key: caKeyPem }, issue };
}

/** The key pair that signs and verifies service account tokens. */
export function serviceAccountKeys(): { publicKey: string; privateKey: string } {
  return generateKeyPairSync("ec", {
    namedCurve: "P-256",
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
}

export interface ControlPlanePki {
  ca: Pem;
  apiserver: Pem;
  admin: Pem;
  serviceAccount: { publicKey: string; privateKey: string };
}

/**
 * A throwaway PKI for one local control plane: a day-long CA, the API server's serving
 * certificate for loopback, and an admin client in system:masters.
 */
export async function createPki(): Promise<ControlPlanePki> {
  const authority = await createCa("platform-local-ca");
  return {
    ca: authority.ca,
    apiserver: await authority.issue({ subject: "CN=kube-apiserver", usage: "server", ips: ["127.0.0.1"], dnsNames: ["localhost", "kubernetes.default.svc"] }),
    admin: await authority.issue({ subject: "CN=platform-admin, O=system:masters", usage: "client" }),
    serviceAccount: serviceAccountKeys(),
  };
}
