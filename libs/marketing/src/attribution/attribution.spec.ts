import { trackingRefused, visitorIdFrom } from './attribution.service';

describe('attribution consent and cookie', () => {
  it('treats DNT: 1 and Sec-GPC: 1 as a refusal', () => {
    expect(trackingRefused({ dnt: '1' })).toBe(true);
    expect(trackingRefused({ 'sec-gpc': '1' })).toBe(true);
    expect(trackingRefused({ dnt: '0' })).toBe(false);
    expect(trackingRefused({})).toBe(false);
  });

  it('reads only a visitor id we could have set', () => {
    expect(visitorIdFrom({ cookie: 'a=1; cs_vid=0b0d6a2e-5f7c-4a53-9d2b-2f8f2d3c4b5a; b=2' })).toBe('0b0d6a2e-5f7c-4a53-9d2b-2f8f2d3c4b5a');
    expect(visitorIdFrom({ cookie: "cs_vid=' OR 1=1" })).toBeUndefined();
    expect(visitorIdFrom({})).toBeUndefined();
  });
});
