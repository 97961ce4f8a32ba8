import { Injectable } from '@nestjs/common';
import { Case, CaseAccess, CaseFollowers, CaseSubject, CaseSubjects } from '@consilium/cases';
import { InvalidInput, msg, NotFound, one, RequestContext, TenantDatabase } from '@consilium/core';
import { EntityManager } from 'typeorm';

/** Who the request is for and who follows it, as the patient portal shows it to one of them. */
export interface FollowingView {
  c: Case;
  subject: CaseSubject | null;
  /** The signed-in account made the request (and may edit the details, invite the patient). */
  isRequester: boolean;
  /** The signed-in account follows a request their caregiver made (and may remove the caregiver). */
  isFollower: boolean;
  requesterName: string;
  followers: { accountId: string; name: string }[];
  /** An adult's request, made by someone else: the patient can be invited to follow it. A child's cannot. */
  canInvite: boolean;
}

/**
 * The portal's side of following a case: the requester invites the adult patient by email, the patient uses the
 * one-time link with their own account, and may then remove the requester. The case is reached through CaseAccess
 * (another family's or hospital's case is a 404) and each step checks who is asking.
 */
@Injectable()
export class CaseFollowing {
  constructor(
    private readonly db: TenantDatabase,
    private readonly access: CaseAccess,
    private readonly followers: CaseFollowers,
    private readonly subjects: CaseSubjects,
    private readonly context: RequestContext,
  ) {}

  view(caseId: string): Promise<FollowingView> {
    return this.db.transaction((tx) => this.load(tx, caseId));
  }

  async invite(caseId: string, email: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const v = await this.load(tx, caseId);
      if (!v.isRequester) throw new NotFound();
      if (!v.canInvite) throw new InvalidInput({ _form: msg('intake.follow.onlyAdults') });
      await this.followers.invite(tx, v.c, email, this.patient().id);
    });
  }

  /** What the link is for, to the signed-in patient who opened it (the requester cannot use their own link). */
  async invitation(token: string): Promise<{ number: string }> {
    return this.db.transaction(async (tx) => {
      const { caseId, invitedBy } = await this.followers.invitation(tx, token);
      if (invitedBy === this.patient().id) throw new NotFound();
      return one<{ number: string }>(tx, 'SELECT number FROM cases WHERE id = $1', [caseId]);
    });
  }

  accept(token: string): Promise<string> {
    return this.db.transaction((tx) => this.followers.accept(tx, token, this.patient().id));
  }

  async removeRequester(caseId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const v = await this.load(tx, caseId);
      if (!v.isFollower) throw new NotFound();
      await this.followers.removeRequester(tx, v.c, this.patient().id);
    });
  }

  private async load(tx: EntityManager, caseId: string): Promise<FollowingView> {
    const actor = this.patient();
    const c = await this.access.caseFor(tx, caseId, actor);
    const subject = await this.subjects.of(tx, c);
    const requester = await one<{ name: string }>(tx, 'SELECT name FROM accounts WHERE id = $1', [c.patientId]);
    const followers = await this.followers.list(tx, c.id);
    return {
      c,
      subject,
      isRequester: c.patientId === actor.id,
      isFollower: followers.some((f) => f.accountId === actor.id),
      requesterName: requester.name,
      followers,
      canInvite: subject?.forWhom === 'adult',
    };
  }

  private patient() {
    const actor = this.context.actor();
    if (!actor || actor.kind !== 'patient') throw new NotFound();
    return actor;
  }
}
