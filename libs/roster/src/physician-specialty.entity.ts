import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('physician_specialties')
export class PhysicianSpecialty {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  @PrimaryColumn({ name: 'physician_id', type: 'uuid' })
  physicianId: string;

  @PrimaryColumn({ name: 'specialty_id', type: 'uuid' })
  specialtyId: string;

  @Column({ type: 'integer' })
  position: number;
}
