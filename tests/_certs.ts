/**
 * Throwaway certificates for the TLS tests, made with openssl: a CA, a
 * server certificate for localhost (and 127.0.0.1) that it signed, a client
 * certificate whose common name is a user, and an unrelated CA (one that
 * signed nothing here), each valid for two days.
 */

async function openssl(args: string[]) {
  const result = await new Deno.Command("openssl", { args, stdin: "null" }).output();
  if (!result.success) {
    throw new Error(`openssl ${args.join(" ")}: ${new TextDecoder().decode(result.stderr)}`);
  }
}

/**
 * Writes into `dir`: ca.pem and ca.key, server.pem and server.key,
 * client.pem and client.key (common name `clientUser`), other-ca.pem.
 */
export async function makeCertificates(dir: string, clientUser: string): Promise<void> {
  const words = (text: string) => text.split(" ");
  const request = (key: string, subject: string, out: string[]) =>
    openssl([
      ...words("req -newkey rsa:2048 -nodes -keyout"),
      `${dir}/${key}`,
      ...out,
      "-subj",
      subject,
    ]);
  const selfSigned = (name: string, subject: string) =>
    request(`${name}.key`, subject, ["-x509", "-days", "2", "-out", `${dir}/${name}.pem`]);
  const sign = async (name: string, subject: string, extensions: string) => {
    await request(`${name}.key`, subject, ["-out", `${dir}/${name}.csr`]);
    await Deno.writeTextFile(`${dir}/${name}.ext`, extensions);
    const ca = ["-CA", `${dir}/ca.pem`, "-CAkey", `${dir}/ca.key`, "-CAcreateserial", "-days", "2"];
    const files = ["-in", `${dir}/${name}.csr`, "-out", `${dir}/${name}.pem`];
    await openssl(["x509", "-req", ...files, ...ca, "-extfile", `${dir}/${name}.ext`]);
  };
  await selfSigned("ca", "/CN=Tutorials test CA");
  await selfSigned("other-ca", "/CN=Some other CA");
  const server = "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n";
  await sign("server", "/CN=localhost", server);
  await sign("client", `/CN=${clientUser}`, "extendedKeyUsage=clientAuth\n");
}
