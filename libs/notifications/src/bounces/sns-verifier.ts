import { Inject, Injectable } from '@nestjs/common';
import { KeyObject, verify, X509Certificate } from 'node:crypto';
import { NotificationsError, SnsMessageRejected } from '../notifications-errors';
import { SnsMessage, stringToSign } from './sns-message';
import { SNS_HTTP, SnsHttp, snsRegionOf } from './sns-http';

const MAX_CACHED_CERTIFICATES = 20;

/**
 * Checks an SNS message's signature (SignatureVersion 1: RSA-SHA1, 2: RSA-SHA256) against the certificate SNS names,
 * fetched only from https://sns.<region>.amazonaws.com/ in the topic's own region, and cached.
 */
@Injectable()
export class SnsVerifier {
  private readonly certificates = new Map<string, Promise<KeyObject>>();

  constructor(@Inject(SNS_HTTP) private readonly http: SnsHttp) {}

  async verify(message: SnsMessage): Promise<void> {
    const algorithm = message.SignatureVersion === '1' ? 'sha1' : message.SignatureVersion === '2' ? 'sha256' : null;
    if (!algorithm) throw new SnsMessageRejected('version');
    const region = snsRegionOf(message.SigningCertURL);
    if (!region || !new URL(message.SigningCertURL).pathname.endsWith('.pem')) throw new SnsMessageRejected('certificate_host');
    if (message.TopicArn.split(':')[3] !== region) throw new SnsMessageRejected('certificate_region');
    const key = await this.certificate(message.SigningCertURL);
    const signature = Buffer.from(message.Signature, 'base64');
    if (!signature.length || !verify(algorithm, Buffer.from(stringToSign(message), 'utf8'), key, signature)) {
      throw new SnsMessageRejected('signature');
    }
  }

  private certificate(url: string): Promise<KeyObject> {
    let cached = this.certificates.get(url);
    if (!cached) {
      cached = this.http.get(url).then((pem) => {
        const certificate = new X509Certificate(pem);
        const now = Date.now();
        if (now < Date.parse(certificate.validFrom) || now > Date.parse(certificate.validTo))
          throw new SnsMessageRejected('certificate_expired');
        return certificate.publicKey;
      });
      // A failed fetch is not remembered; the oldest certificate makes room for a new one.
      cached.catch(() => this.certificates.delete(url));
      if (this.certificates.size >= MAX_CACHED_CERTIFICATES) this.certificates.delete(this.certificates.keys().next().value!);
      this.certificates.set(url, cached);
    }
    return cached.catch((error) => {
      if (error instanceof SnsMessageRejected) throw error;
      // A 5xx: SNS delivers the message again later.
      throw new NotificationsError('sns_certificate_unavailable');
    });
  }
}
