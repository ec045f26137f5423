/**
 * ISO 3166 country of an E.164 number from its calling code (longest match). Codes shared by several
 * countries (+1 NANP, +7 RU/KZ) give null: the gateway only states what the number really says.
 */
const CALLING_CODES = new Map(
  (
    '20:EG,27:ZA,30:GR,31:NL,32:BE,33:FR,34:ES,36:HU,39:IT,40:RO,41:CH,43:AT,44:GB,45:DK,46:SE,47:NO,48:PL,' +
    '49:DE,51:PE,52:MX,53:CU,54:AR,55:BR,56:CL,57:CO,58:VE,60:MY,61:AU,62:ID,63:PH,64:NZ,65:SG,66:TH,81:JP,' +
    '82:KR,84:VN,86:CN,90:TR,91:IN,92:PK,93:AF,94:LK,95:MM,98:IR,211:SS,212:MA,213:DZ,216:TN,218:LY,220:GM,' +
    '221:SN,225:CI,233:GH,234:NG,237:CM,243:CD,244:AO,249:SD,251:ET,254:KE,255:TZ,256:UG,260:ZM,263:ZW,' +
    '351:PT,352:LU,353:IE,354:IS,355:AL,356:MT,357:CY,358:FI,359:BG,370:LT,371:LV,372:EE,373:MD,374:AM,' +
    '375:BY,376:AD,377:MC,380:UA,381:RS,385:HR,386:SI,387:BA,389:MK,420:CZ,421:SK,423:LI,501:BZ,502:GT,' +
    '503:SV,504:HN,505:NI,506:CR,507:PA,591:BO,593:EC,595:PY,598:UY,852:HK,853:MO,855:KH,856:LA,880:BD,' +
    '886:TW,960:MV,961:LB,962:JO,963:SY,964:IQ,965:KW,966:SA,967:YE,968:OM,970:PS,971:AE,972:IL,973:BH,' +
    '974:QA,975:BT,976:MN,977:NP,992:TJ,993:TM,994:AZ,995:GE,996:KG,998:UZ'
  )
    .split(',')
    .map((pair) => pair.split(':') as [string, string]),
)

/** The country of `+<digits>`, or null when the calling code is unknown or shared. */
export function countryOfPhone(e164: string | null | undefined): string | null {
  const digits = e164?.match(/^\+(\d{7,15})$/)?.[1]
  if (!digits) return null
  for (const length of [3, 2]) {
    const country = CALLING_CODES.get(digits.slice(0, length))
    if (country) return country
  }
  return null
}
