// @peculiar/x509 uses decorators through tsyringe, which needs this polyfill loaded first.
import "reflect-metadata";
import { generateKeyPairSync, KeyObject, webcrypto } from "node:crypto";
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

export interface ControlPlanePki {
  ca: Pem;
  apiserver: Pem;
  admin: Pem;
  serviceAccount: { publicKey: string; privateKey: string };
}

/**
 * A throwaway PKI for one local control plane: a day-long CA, the API server's serving
 * certificate for loopback, and an admin client in system:masters. ECDSA keeps it fast.
 */
export async function createPki(): Promise<ControlPlanePki> {
  const caKeys = await newKeys();
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: "CN=platform-local-ca",
    ...validity,
    keys: caKeys,
    signingAlgorithm: algorithm,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
  });

  const issue = async (serialNumber: string, subject: string, usage: string, san?: x509.SubjectAlternativeNameExtension): Promise<Pem> => {
    const keys = await newKeys();
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber,
      subject,
      issuer: caCert.subject,
      ...validity,
      signingAlgorithm: algorithm,
      publicKey: keys.publicKey,
      signingKey: caKeys.privateKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        new x509.ExtendedKeyUsageExtension([usage]),
        ...(san ? [san] : []),
      ],
    });
    return { cert: cert.toString("pem"), key: await pemKey(keys) };
  };

  const serving = new x509.SubjectAlternativeNameExtension([
    { type: "ip", value: "127.0.0.1" },
    { type: "dns", value: "localhost" },
    { type: "dns", value: "kubernetes.default.svc" },
  ]);
  const serviceAccount = generateKeyPairSync("ec", {
    namedCurve: "P-256",
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });

  return {
    ca: { cert: caCert.toString("pem"), key: await pemKey(caKeys) },
    apiserver: await issue("02", "CN=kube-apiserver", x509.ExtendedKeyUsage.serverAuth, serving),
    admin: await issue("03", "CN=platform-admin, O=system:masters", x509.ExtendedKeyUsage.clientAuth),
    serviceAccount: { publicKey: serviceAccount.publicKey, privateKey: serviceAccount.privateKey },
  };
}
