import type { DealFields, Situation } from "./deal.js";
import { parseFieldDump } from "./field-dump.js";
import { clipFor } from "./input-limits.js";
import { normalizeText } from "./normalize.js";
import { readText } from "./reading.js";
import { firstAccepted, globalTwin, hypothetical, negated } from "./scope.js";
import { REP_VOICE_SIGNALS, type SignalId } from "./signal-catalog.js";
import { isStage, LATE_STAGES, type Stage, type Theme } from "./taxonomy.js";
import { correctTypos } from "./typos.js";

// Deterministic signal extraction (docs/method.md, "Signals and routing") from text as reps write it and from deal fields.
// Patterns run over normalised, lower-cased text with near-miss keywords corrected. A pattern marked
// `negatable` does not fire when a negation sits just before it ("nobody pushed back on price").

export interface Signal {
  id: SignalId;
  /** Where it came from: the rep's words or a deal field. */
  source: "text" | "fields";
  /** The matched words or the field that raised it, for explanations. */
  evidence: string;
  /**
   * Where a long text says it (src/coaching/reading.ts): in its title or the rep's own question
   * ("focus"), more than once in the story ("repeated"), or once in the story ("story"). Absent for
   * short texts and fields, which are read whole.
   */
  place?: "focus" | "repeated" | "story";
}

export interface SignalReport {
  signals: Signal[];
  stage: Stage | undefined;
  stageSource: "given" | "fields" | "text" | "none";
  /** Foundation themes (docs/method.md, the foundation gap) the input already shows evidence for; empty when no stage. */
  evidenced: Set<Theme>;
  hasDealContent: boolean;
  fields: DealFields;
  /** The text as the patterns saw it: normalised, lower-cased, typos in keywords corrected. */
  lower: string;
  /** A long text (a post with a story): its title and the rep's questions lead (reading.ts). */
  long: boolean;
}

interface Rule {
  id: SignalId;
  pattern: RegExp;
  /** A negation in the same clause before the match denies it (scope.ts): "they never mentioned a competitor". */
  negatable?: boolean;
  /**
   * Words just before the match that make it someone else's: "my competitors charge less" is the
   * rep's own market, not a competitor in this deal; "I pushed back" is the rep's move, not an objection.
   */
  notAfter?: RegExp;
  /** Done or not: a condition or a future before it in the sentence makes it not (yet) so (scope.ts). */
  done?: boolean;
}

const MONTH = "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec";

const TEXT_RULES: Rule[] = [
  // Adversarial first: they change how everything else is used (docs/method.md, "From ranked themes to questions").
  {
    id: "injection_attempt",
    // A role line ("\n system:") allows space after its line break but not more line breaks
    // ([^\S\n]*): a `\s*` there re-read every later blank line from each line break (quadratic).
    pattern:
      /\b(?:ignore|disregard|forget|override) (?:all |any |your |the |my |previous |prior |above |earlier |these )*(?:instructions|rules|prompts?|guidelines|guidance|directions|programming)\b|\bsystem prompt\b|\b(?:print|show|reveal|repeat|output) (?:me )?your (?:prompt|instructions|rules|system)\b|\byou are now\b|(?:^|[.!?\n] ?|\b(?:please|now|you|just|can you|could you|i want you to) )act as\b|\bpretend (?:to be|you(?:'re| are))\b|\b(?:developer|dan|god) mode\b|\bjailbreak\b|\bnew instructions\b|(?:^|\n|\[)[^\S\n]*(?:system|assistant|ai assistant|developer)\s*[\]:]|<\/?(?:system|instructions?)>|\bai (?:assistant|model|bot)\s*:/,
  },
  {
    id: "answer_request",
    pattern:
      /\bjust tell me\b|\btell me (?:what|how|if|whether|which)\b|\bwhat (?:should|do|would) i (?:do|say|write|offer|send|tell)\b|\bwhat would you do\b|\bgive me (?:the |a |an |some |your )?(?:answer|script|email|template|talk track|list|steps|tips|advice|playbook|plan|recommendation|words)\b|\bwrite (?:me |up )?(?:a |an |the |my )?(?:\S+ )?(?:email|reply|response|message|follow-?up|script|proposal|note|plan|summary|pitch)\b|(?:^|[.!?]\s*|\b(?:pls|please|can you|could you|help me|just)\s+)draft\b|\bdraft me\b|\byes or no\b|\by\/n\b|\bshould i (?:discount|offer|walk|call|send|drop|push|wait|give|commit|cut|lower|escalate|just)\b|\b(?:your|some|any) advice\b|\badvise me\b|\bjust answer\b|\bwhat(?:'s| is) the answer\b/,
  },
  {
    id: "frustration",
    pattern:
      /\b(?:unlucky|bad luck|frustrat\w*|annoy\w*|pissed|fed up|so tired|sick of|hate this|ugh+|argh+|wtf|ffs|ridiculous|waste of (?:my )?time|impossible to work|impossible|hopeless|nothing i do matters|screwed)\b/,
  },
  {
    id: "closed_lost",
    done: true,
    pattern:
      /\bclosed[- ]?lost\b|\bwe lost\b|\blost (?:it|the \w+ deal|the deal|this one|out|to)\b|\bwent with (?:another|a competitor|the other|someone else|[a-z]+ instead)\b|\bchose (?:another|a competitor|[a-z]+ instead)\b|\bdidn't (?:pick|choose) us\b|\bnot moving forward with us\b|\bits over\b|\bit's over\b|\bdeal (?:is )?dead\b/,
  },
  {
    id: "closed_won",
    done: true,
    negatable: true,
    pattern:
      /\bclosed[- ]?won\b|\bwe won\b|\bwon (?:it|the deal)\b|\b(?:they|\w+) signed (?:this|today|yesterday|last|the|it|!|$)|\bcontract (?:is )?signed\b|\bdeal (?:is )?closed\b|\bkick-?off (?:is|call|meeting|next|on|scheduled)\b|\bgot the po\b|\bpo (?:came in|received|arrived)\b|\bwe got it\b/,
  },
  {
    id: "renewal",
    negatable: true,
    pattern:
      /\brenewal\b|\bup for renew\w*\b|\brenews? (?:in|on|next)\b|\bexpansion\b|\bupsell\b|\busage (?:is |has )?(?:down|dropped|drop|fell|falling|declin\w*)\b|\badoption (?:is )?(?:shaky|low|poor|down|weak)\b|\blow adoption\b|\bchurn risk\b/,
  },
  {
    id: "quota_pressure",
    pattern: new RegExp(
      `\\bthis (?:quarter|q)\\b|\\bend of (?:the )?(?:q[1-4]|quarter|month|year|fy)\\b|\\b(?:eoq|eom|eoy|qtr end|quarter[- ]end)\\b|\\bmy (?:number|quota|target|commit)\\b|\\bquota\\b|\\bhit (?:my|the|our) (?:number|target)\\b|\\bpull(?:ed|ing)? (?:it |this |them |the deal |\\w+ )?(?:in|into|forward)\\b|\\bneed(?:ed)? (?:it |this |them )?to close\\b|\\bbefore (?:the )?(?:quarter|month|year)[- ]?end\\b|\\bsign by (?:the )?(?:\\d|${MONTH}|end|friday|monday)`,
    ),
  },
  {
    id: "discount",
    negatable: true,
    pattern:
      /\bdiscount\w*\b|\b\d+\s*%\s*off\b|(?:[$€£]\s?\d+|\b\d+ (?:euros?|dollars|bucks|pounds)) off\b|\bprice (?:cut|reduction|break)\b|\bknock (?:off|\d+)\b/,
  },
  {
    id: "amount_cut_pulled_in",
    pattern:
      /\b(?:cut|trimmed|reduced|dropped|lowered|slashed|shrunk)\b[^.\n]{0,60}\b(?:sign|close|done|get it)\b[^.\n]{0,40}\b(?:by|early|earlier|sooner|instead)\b/,
  },
  {
    id: "late_stage_paper_unknown",
    pattern:
      /\b(?:no (?:clue|idea)|(?:don't|dont|do not) know|not sure|unknown|(?:haven't|havent|have not|never) (?:talked|spoken|met|engaged|heard from))\b[^.\n]{0,40}\b(?:legal|proc|procurement|paper\w*|security review|contract process|signing process)\b/,
  },
  {
    id: "paper_formality",
    pattern:
      /\b(?:legal|procurement|proc|paperwork|security review)(?: is| are|'s|s)? (?:just )?(?:a )?formality\b|\bformality\b|\bjust (?:need to |needs to )?sign\b|\bsend (?:over )?(?:the |a |them the )?contract\b|\brubber[- ]stamp\b|\bjust paperwork\b/,
  },
  {
    id: "decision_pending",
    negatable: true,
    pattern:
      /\bboard (?:vote|meeting|approval)\b|\bcommittee\b|\bsteering group\b|\bdecide by\b|\bdecision (?:by|in|next)\b|\bcomparison matrix\b|\bscorecard\b|\bvendor selection\b|\bapproval process\b|\b(?:legal|procurement|security)(?: team)? (?:said|says|told|needs|takes|wants)\b[^.\n]{0,40}\b(?:weeks?|months?|wks?)\b|\bwe'll sign this month\b/,
  },
  {
    id: "close_date_slipped",
    negatable: true,
    pattern: new RegExp(
      `\\bpushed (?:again|back(?! on)|out|it|to)\\b|\\bslip(?:ped|ping|s)?\\b|\\b(?:close )?date (?:moved|changed|slid|pushed)\\b|\\bmoved the (?:close|date|deadline)\\b|\\bdelayed\\b|\\bpostponed\\b|\\bpunted\\b|\\bkicked (?:it|the can)\\b|\\bcircle back in \\w+ (?:weeks?|months?|wks?)\\b|\\bmaybe next (?:year|quarter|q)\\b|\\bpushed to (?:${MONTH}|q[1-4]|next)`,
    ),
  },
  {
    id: "stalled",
    negatable: true,
    pattern:
      /\bstuck\b|\bstall(?:ed|ing)\b|\bnot moving\b|\bhasn't moved\b|\bnothing (?:actually )?moves\b|\bno (?:movement|progress)\b|\bgoing nowhere\b|\bspinning (?:our|my) wheels\b|\bon[- ]hold\b/,
  },
  {
    id: "gone_quiet",
    pattern:
      /\b(?:went|gone|going) (?:dark|quiet|silent|cold|mia)\b(?! (?:at|after|when|on|during) (?:the )?pric)|\bghost(?:ed|ing)\b|\bradio silence\b|\bno (?:reply|replies|response|answer)\b|\bnot (?:replying|responding|answering|getting back)\b|\b(?:haven't|havent|have not) heard\b|\bhasn't (?:replied|responded|gotten back)\b|\bunresponsive\b|\bcrickets\b|\bnothing since\b|\bsilent since\b|\bnot reply\b|\bnever (?:replies|replied|responds|responded|answers|answered|got back|gets back)\b|\bceased? communicat\w*|\bstop(?:s|ped)? (?:replying|responding|answering|communicating)\b|\bleft (?:me )?on read\b|\bfalls? off the (?:earth|map)\b|\bfell off the (?:earth|map)\b|\bno-?show\b|\bstood (?:me|us) up\b|\b(?:didn't|did not|never) show(?:ed)? up\b/,
  },
  {
    id: "vague_next_step",
    pattern:
      /\bnext steps? (?:is |are |:|=|-)?\s*['"]?(?:follow[- ]?up|check[- ]?in|touch base|circle back|tbd|none|they'll let)\b|\bno (?:mtg|meeting|call|next step)s? (?:booked|scheduled|set)\b|\bnothing (?:booked|scheduled|on the calendar)\b|\b(?:let me|i'll|we'll|they'll) check internally\b|\bget back to (?:you|me|us)\b|\b(?:just )?(?:following|checking) (?:up|in)\b|\bthey'll let (?:me|us) know\b|\btouch(?:ing)? base\b|\bno next step\b/,
  },
  {
    id: "single_threaded",
    pattern:
      /\bonly (?:one )?contact\b|\bone contact\b|\bsingle[- ]threaded\b|\bonly (?:talking|speaking|dealing) (?:to|with)\b|\bnever met the (?:eb|economic buyer|decision maker|exec)\b|\b(?:no|don't|dont|do not) (?:idea|clue|know) who (?:the )?(?:eb|economic buyer|decision maker|signs|decides)\b|\b(?:eb|economic buyer) (?:unknown|tbd|\?)|\bleave the execs to me\b|\bno (?:eb|economic buyer)\b/,
  },
  {
    id: "champion_change",
    negatable: true,
    pattern:
      /\bre-?org\w*\b|\brestructur\w*\b|\bnew (?:vp|cfo|ceo|cio|cto|coo|head|director|boss|exec\w*)\b|\b(?:champion|champ|sponsor|main contact|contact|my guy)\b[^.\n]{0,25}\b(?:left|quit|leaving|moved|changed roles?|got moved|got promoted|laid off|resigned|retir\w*)\b|\breplacement starts\b|\bleft the company\b/,
  },
  {
    id: "price_objection",
    negatable: true,
    pattern:
      /\btoo expensive\b|\bprice (?:is |was )?too high\b|\b(?:pricing|price) is (?:higher|more) than\b|\bpricey\b|\bover (?:their |the )?budget\b|\bsticker shock\b|\bpush(?:ed)? back on (?:the )?pric\w*\b|\bobjected to (?:the )?pric\w*\b|\bmatch (?:their|the|a|competitor's|\w+'s) price\b|\bcheaper (?:option|alternative|elsewhere)\b|\bwent quiet (?:at|after|when|on|during) (?:the )?pric\w*\b|\bbalked\b|\bprice objection\b|\bhard to justify\b|\bcosts? too much\b|\bhates? (?:the |our |my |your )?(?:price|pricing|cost|rate|fee|quote|invoice)\b|\bpric(?:e|ing) (?:is (?:the |an? )?)?(?:issue|problem|sticking point)\b|\bcheap (?:customer|client)s?\b|\bhaggl\w*|\b(?:asking|asked|asks|wants?) (?:me )?(?:to )?lower (?:the |my |our )?(?:monthly )?(?:price|prices|rate|rates|fee|fees)\b|\b(?:debated|disputed|disputes|disputing|questioned|questions) (?:me )?(?:billing|being charged|the charge|the bill|the invoice|a minimum charge|my rate|my fee|the price)\b|\btoo (?:pricey|high a price)\b/,
  },
  {
    id: "concern_raised",
    negatable: true,
    pattern:
      /\bworried\b|\bconcern(?:ed|s)?\b|\bhesitant\b|\bnervous\b|\bskeptical\b|\bsceptical\b|\bobjections?\b|\bsecurity (?:review|questions|questionnaire)\b|\b(?:infosec|security|compliance)\b[^.\n]{0,30}\bquestions\b|\bredlines?\b|\bred-?lined\b|\bnot sure about\b|\bdoubts?\b|\bhates\b|\bthey hate\b/,
  },
  {
    // The customer's pushback; "should I push back?" or "we pushed back" is the rep's own move.
    id: "concern_raised",
    negatable: true,
    notAfter: /\b(?:i|we|to|i'll|we'll|i'd|we'd)\s$/,
    pattern: /\bpush ?back\b/,
  },
  {
    id: "competitor",
    negatable: true,
    // "their competitors" are the buyer's own; "my competitors charge less" and "our competition" are the
    // rep's market (a question of positioning), while "our competitor" in a deal is this deal's.
    notAfter: /\b(?:their|i|we)\s$/,
    pattern:
      /\bcompetitor\b|\bcompetitors\b(?<!\b(?:my|our) competitors)|\bcompetition\b(?<!\b(?:my|our) competition)|\bincumbent\b|\brfp\b|\brfi\b|\balso (?:looking at|evaluating|talking to|considering)\b|\bevaluating (?:other|others|alternatives|\w+ and \w+)\b|\bbake-?off\b|\bshortlist\b|\bhome-?grown\b|\bin-house\b|\bbuild (?:it|this|their own|one)? ?(?:themselves|ourselves|internally|in house)\b|\bbuild (?:vs|versus) buy\b|\binternal (?:tool|build|solution)\b|\bvs\.? (?:the )?other\b|\bcompet(?:e|ing) (?:with|on|against)\b|\bundercut\w*|\bfraction of (?:the|my|our) price\b|\bcheaper (?:sellers|freelancers|competitors|providers|shops)\b|\bat a lower price than\b|\bsqueez\w* (?:us|me) out\b|\bsomeone (?:else )?(?:cheaper|who charges less)\b/,
  },
  {
    id: "budget_constraint",
    negatable: true,
    pattern:
      /\bbudget\b[^.\n]{0,25}\b(?:cut|cuts|freeze|frozen|slashed|gone|pulled|constraints?|tight|locked)\b|\bno budget\b|\bout of budget\b|\bfrozen\b|\bfreeze\b|\bcapex\b|\bfiscal year\b|\bnext fy\b|\bcost[- ]cutting\b|\bspending (?:freeze|pause)\b|\bchopping block\b/,
  },
  {
    id: "no_perceived_problem",
    pattern:
      /\b(?:don't|dont|do not|doesn't|doesnt) see (?:a|the|any) (?:problem|issue|need|reason)\b|\bfine for now\b|\bhappy with (?:their |the |what they|spreadsheets|excel|the status quo|how)\b|\bnot a priority\b|\bno (?:real )?pain\b|\bgood enough\b|\bstatus quo\b|\bnot broken\b|\bworks (?:fine|well enough|ok)\b/,
  },
  {
    id: "metrics_missing",
    pattern:
      /\bno (?:metrics|success criteria|kpis?|business case|roi|numbers|baseline)\b|\b(?:never|didn't|did not|haven't|havent) (?:agreed|defined|set|discussed) (?:on )?(?:any )?(?:success criteria|metrics|kpis?)\b|\bwithout (?:success )?criteria\b|\bnice[- ]to[- ]have\b|\bcan't quantify\b|\b(?:don't|dont) know (?:the )?(?:value|impact)\b/,
  },
  {
    id: "new_opportunity",
    pattern:
      /\bnew (?:opp|opportunity|lead|prospect|deal)\b|\bnew logo\b(?<!\b(?:the|their|his|her|my|its) new logo)(?!s? (?:design|concept|draft|files?|colou?rs?|mock))|(?<!since the )\bfirst (?:call|meeting|mtg|convo|conversation)\b(?! since)|\bintro (?:call|meeting|mtg)\b|\bdisco(?:very)? call\b|\binbound\b|\bpricing for \d+|\b(?:asked|asking|wants) (?:for )?pricing\b|\brequested (?:a )?(?:quote|pricing)\b|\bcold (?:outreach|call|email)\b|\boutbound reply\b|\b(?:get|find|land) (?:more |enough |new |my own |our own |better )?clients\b|\bgenerat\w* (?:more )?leads\b|\bgrow leads\b|\blead gen\w*|\b(?:potential|prospective) (?:client|lead|customer)s?\b/,
  },
  {
    id: "feature_request",
    negatable: true,
    pattern:
      /\bwants? (?:a |an |the )?(?:dashboard|feature|integration|report|api|sso|button)\b|\basked for (?:a |an )?(?:feature|integration|dashboard|custom)\b|\bfeature (?:request|list|asks)\b|\brequirements? (?:list|keep|doc)\b|\bcustom (?:integration|feature|build|dev|development|work)\b|\bneeds? better (?:reporting|visibility|dashboards|analytics|tracking|onboarding|data)\b|\bkeep adding\b|\bproblem statement\b|\bonboarding is messy\b/,
  },
  {
    id: "trust_incident",
    negatable: true,
    pattern:
      /\boutage\b|\bincident\b|\bdowntime\b|\bbreach\b|\bwe (?:missed|broke|dropped the ball)\b|\bmissed (?:a |the |our )?(?:deadline|commitment|date)\b|\bdelivery (?:mismatch|delay)\b|\b(?:haven't|havent|didn't|not) (?:told|tell|disclosed)\b|\breferences\b|\bdon't believe\b|\bburned (?:before|by)\b|\bcrashed\b/,
  },
  {
    id: "no_pushback",
    pattern:
      /\bno (?:objections?|pushback|push back|concerns?|red flags|risks?)\b|\b(?:nobody|no one|noone) (?:pushed back|objected|raised)\b|\b(?:didn't|did not|never) push back\b|\bloved (?:it|the|us|our|every)\b|\bperfect (?:demo|call|meeting|fit)\b|\bwent (?:great|perfectly|really well|amazing)\b|\b(?:everything|all)(?:'s| is)? on track\b|\bnot even (?:a peep |a word )?on pric\w*\b|\bnot even a peep\b|\bjust timing\b|\bsuper (?:excited|keen|positive)\b|\bno-?brainer\b|\bslam dunk\b|\bin the bag\b|\bverbal(?:ly)? (?:yes|commit)\b/,
  },
  // Small-business and freelance vocabulary (docs/real-seller-posts.md "Themes", rule 2): the same
  // situations as the rules above, in the words of people who quote, bid and invoice.
  {
    // What to charge a new client, or being asked for a quote: an inbound pricing request.
    id: "pricing_question",
    pattern:
      /\bwhat (?:should|would|do|can|could) (?:i|we|you) charge\b|\bhow much (?:should|would|do|can|to) (?:i |we |you )?charge\b|\bwhat to charge\b|\bhow (?:do|should|would|can) (?:i|we|you) (?:price|quote|charge for)\b|\bhow to (?:price|quote)\b|\b(?:fair|reasonable|going|normal|standard|usual) (?:rate|price|amount|wage|fee)\b|\bwhat (?:rate|price) (?:should|would|do)\b|\b(?:advice|help) (?:about|on|with) pric\w*|\bpricing advice\b|\b(?:give|send) (?:him |her |them )?(?:a|my) quote\b|\bask(?:ed|s|ing)? (?:me )?(?:to|for) (?:a )?(?:quote|bid|estimate)\b|\basked me to price\b|\brequest(?:ed|s)? (?:a )?(?:bids?|quotes?|estimates?)\b|\bkeep (?:my|your|the) rate the same\b|\bdifferent rate\b|\bcharge (?:per|by the) (?:hour|project|job|page|piece|item|image|rendering)\b/,
  },
  {
    // A retainer, support or maintenance contract, a monthly service: value over time.
    id: "ongoing_work",
    negatable: true,
    pattern:
      /\bretainers?\b|\b(?:support|maintenance|service) (?:contracts?|agreements?|plans?)\b|\bmonthly (?:rate|fee|fees|retainer|service|contract|plan)\b|\bflat rate monthly\b|\b(?:yearly|annual) contracts?\b|\blong[- ]term (?:client|customer)s?\b|\bon[- ]call\b|\bongoing (?:work|support|contract|relationship)\b|\brecurring (?:work|revenue|client|clients|income)\b/,
  },
  {
    // A middleman, referrer or agency between the seller and the end client.
    id: "intermediary",
    negatable: true,
    pattern:
      /\bmiddle ?m[ae]n\b|\bfinder'?s fee\b|\breferral (?:fee|partner|partners|commission)\b|\bsend(?:ing)? (?:his|her|their) clients (?:my|our) way\b|\bsubcontract\w*|\bwhite[- ]label\w*|\bfriend of a friend\b|\bintroduced (?:me|us) to\b|\bintermediary\b|\bgo-between\b/,
  },
  {
    // A deposit, milestone payments, booking ahead: what each side commits to, and when.
    id: "commitment_terms",
    negatable: true,
    pattern:
      /\bdeposits?\b|\bdown-?payments?\b|\bmilestone (?:payments?|billing)\b|\bpayments? by milestone\b|\b\d+ ?% (?:up ?front|upfront|down)\b|\bpayment (?:schedule|terms|plan)\b|\bbook(?:ing|ed)? (?:that |so |this )?far (?:ahead|in advance|out)\b|\bhow far (?:ahead|in advance|out) (?:do|should|can) (?:you|i|we) book\b/,
  },
  {
    // Charging for what the client took to be included: changes after payment, extra work, scope creep.
    id: "extra_work_billing",
    negatable: true,
    pattern:
      /\b(?:can|should) i (?:charge|bill) (?:them|him|her|a fee|extra)\b|\b(?:charge|bill) (?:them|him|her|clients?) for\b|\bbill(?:ing)? for (?:the |this |that |any |pre-|extra|additional)|\bscope creep\b|\bout of scope\b|\b(?:outside|beyond) (?:of )?the scope\b|\bchange requests?\b|\bwants? (?:a|another) change\b|\bchanges? after (?:the )?(?:payment|delivery|sign-?off)\b/,
  },
  {
    // The customer undervalues the work: lowball offers, "exposure", "it's easy, right?".
    id: "undervalued",
    pattern:
      /\blow-?ball\w*|\bfor exposure\b|\bwork for free\b|\bfor peanuts\b|\b(?:doesn't|does not|don't|do not) (?:realize|realise|see|value) the (?:quality|value|work|effort)\b|\bis easy,? right\b|\bit's easy,? right\b|\bweb design is easy\b|\bthinks? (?:it's|it is|this is|design is) easy\b|\bhours? rate computation\b|\bnickel[- ]and[- ]dim\w*/,
  },
  {
    // Silence that follows the price: a concern about the price more than a lost thread.
    id: "silent_after_price",
    pattern:
      /\b(?:after|once|when|as soon as) (?:i|we) (?:name|named|give|gave|send|sent|quote|quoted|mention|mentioned|state|stated|share|shared) (?:my|our|the|a) (?:price|prices|rate|rates|quote|estimate|fee|number|pricing)\b/,
  },
  {
    // The rep doubting their own call: "am I wrong?", "did I do the right thing?".
    id: "self_doubt",
    pattern:
      /\bam i (?:wrong|being (?:unreasonable|difficult|petty|greedy|too \w+))\b|\bwas i (?:wrong|right)\b|\bdid i do the right thing\b|\bdid i (?:overreact|mess up|screw up)\b|\bis it (?:wrong|unreasonable|unprofessional) (?:of me|for me)\b|\b(?:am i|i am|i'm) over ?thinking\b/,
  },
  {
    // A decision only the rep can make: whether to take the work, turn it down, let a client go.
    id: "own_decision",
    pattern:
      /\bturn(?:ing|ed)? (?:it |them |him |her |(?:this|that|the|a|my) (?:job|client|customer|project|work|offer) )?down\b|\b(?:fire|drop|dump) (?:this|the|a|my) client\b|\blet (?:this|the|a|my) client go\b|\bwalk away from (?:this|the|a) (?:client|job|project|deal)\b|\bshould i (?:take|accept) (?:this|the|it|them|him|her)\b|\bsay no to (?:this|the|a|them|him|her)\b/,
  },
  {
    // How to tell the client something hard without harming the relationship.
    id: "difficult_conversation",
    pattern:
      /\bhow (?:do|should|can|would) i (?:tell|say|explain|phrase|break it to)\b|\bhow to (?:tell|say|explain|phrase|break it to)\b|\bbest way to (?:say|tell|explain|phrase)\b|\bhow to phrase\b|\bwithout (?:it )?(?:seeming|sounding|looking) like\b|\bwithout (?:losing|burning|upsetting) (?:them|the client|my clients?|the relationship)\b/,
  },
];

export { negated } from "./scope.js";

const STAGE_WORDS: Array<[Stage, RegExp]> = [
  ["closed_lost", /\bclosed[- ]?lost\b|\blost (?:the|it|to)\b/],
  ["post_sale", /\bclosed[- ]?won\b|\bkick-?off\b|\bonboarding\b|\bgo-?live\b|\bsigned\b/],
  ["renewal", /\brenewal\b|\brenews?\b|\bexpansion\b|\bupsell\b/],
  [
    "closing",
    /\bclosing\b|\bcontract\b|\bsignature\b|\bredlines?\b|\bdocusign\b|\bcommit\b|\bready to sign\b/,
  ],
  ["negotiation", /\bnegotiat\w*\b|\bprocurement\b|\bterms\b/],
  ["proposal", /\bproposal\b|\bquote\b|\bbusiness case\b|\bsow\b/],
  ["solution", /\bdemo\b|\bpilot\b|\bpoc\b|\bproof of concept\b|\btrial\b|\bevaluation\b|\bbake-?off\b/],
  ["qualification", /\bqualif\w*\b|\beconomic buyer\b|\bmeddic\w*\b|\bbant\b/],
  ["discovery", /\bdiscovery\b|\bdisco call\b|\bfirst (?:call|meeting|mtg)\b|\bintro call\b/],
  ["prospecting", /\bprospect\w*\b|\bcold (?:outreach|call|email)\b|\boutbound\b/],
];

const FOUNDATION_EVIDENCE: Array<[Theme, RegExp]> = [
  [
    "goals",
    /\bgoals?\b|\bobjectives?\b|\btrying to\b|\bwants? to (?:achieve|reduce|increase|improve|grow|cut)\b|\binitiative\b/,
  ],
  ["problem_cause", /\bproblem\b|\bpain\b|\bissue\b|\bstruggl\w*\b|\bbacklog\b|\bchurn\b|\bbecause\b/],
  [
    "impact",
    /\bcosts? (?:them|us)\b|\$\s?\d|\b\d+k\b|\brevenue\b|\bsavings?\b|\bimpact\b|\broi\b|\bmetrics?\b/,
  ],
  ["urgency", /\bdeadline\b|\bcompelling event\b|\bgo-?live\b|\blaunch\b|\baudit\b/],
  [
    "stakeholders",
    /\b(?:cfo|ceo|cio|cto|coo|vp|director|head of|champion|champ|eb|economic buyer|sponsor|exec\w*)\b/,
  ],
  [
    "decision_process",
    /\bprocurement\b|\blegal\b|\bcriteria\b|\brfp\b|\bsecurity review\b|\bapproval\b|\bsign-?off\b/,
  ],
];

const DEAL_WORDS =
  /\b(?:deal|customer|client|prospect|account|acct|buyer|they|them|their|demo|call|meeting|mtg|proposal|contract|pricing|price|cfo|ceo|vp|champion|champ|opp|opportunity|quote|renewal|pilot|legal|procurement|budget|stage)\b/;

// Each rule that turns down some mentions has a global twin, so that a denied first match ("nobody
// pushed back on price at first") does not hide a later one ("but now the CFO says it's too expensive").
// Built once, while the module loads (test/unit/regex-linear-*.test.ts checks every pattern built).
const GLOBAL = new Map<RegExp, RegExp>(
  TEXT_RULES.filter((r) => r.negatable || r.notAfter || r.done).map((r) => [
    r.pattern,
    globalTwin(r.pattern),
  ]),
);

/** A mention the rule does not count: denied, someone else's, or not done yet. */
function rejects(rule: Rule, text: string, m: RegExpExecArray): boolean {
  return (
    (rule.negatable === true && negated(text, m.index)) ||
    rule.notAfter?.test(text.slice(Math.max(0, m.index - 16), m.index)) === true ||
    (rule.done === true && hypothetical(text, m.index, true))
  );
}

/** The rule's first match in the text that no negation before it denies and that is not someone else's. */
function firstMatch(rule: Rule, text: string): RegExpExecArray | null {
  const twin = GLOBAL.get(rule.pattern);
  return twin ? firstAccepted(twin, text, rule, rejects) : rule.pattern.exec(text);
}

/** Where a long text says it: its title or the rep's question, more than once, or once in the story. */
function placeOf(rule: Rule, text: string, match: RegExpExecArray, focus: string): Signal["place"] {
  if (focus !== "" && firstMatch(rule, focus)) return "focus";
  const again = firstMatch(rule, text.slice(match.index + Math.max(1, match[0].length)));
  return again ? "repeated" : "story";
}

function add(signals: Signal[], id: SignalId, source: Signal["source"], evidence: string): void {
  if (!signals.some((s) => s.id === id)) signals.push({ id, source, evidence });
}

function fieldSignals(f: DealFields, stage: Stage | undefined, signals: Signal[]): void {
  if ((f.close_date_moves ?? 0) >= 2)
    add(signals, "close_date_slipped", "fields", `close_date_moves=${f.close_date_moves}`);
  if ((f.days_since_activity ?? 0) >= 14)
    add(signals, "gone_quiet", "fields", `days_since_activity=${f.days_since_activity}`);
  if ((f.days_in_stage ?? 0) >= 30) add(signals, "stalled", "fields", `days_in_stage=${f.days_in_stage}`);
  if ((f.discount_percent ?? 0) >= 15)
    add(signals, "discount", "fields", `discount_percent=${f.discount_percent}`);
  if (f.contact_count === 1) add(signals, "single_threaded", "fields", "contact_count=1");
  if (f.competitor?.trim()) add(signals, "competitor", "fields", "competitor");
  if (f.status === "won") add(signals, "closed_won", "fields", "status=won");
  if (f.status === "lost") add(signals, "closed_lost", "fields", "status=lost");
  if (f.renewal_in_days !== undefined && f.renewal_in_days <= 90)
    add(signals, "renewal", "fields", "renewal_in_days");
  if ((f.usage_change_percent ?? 0) <= -20) add(signals, "renewal", "fields", "usage_change_percent");
  if (
    f.amount !== undefined &&
    f.previous_amount !== undefined &&
    f.amount < f.previous_amount &&
    f.close_date &&
    f.previous_close_date &&
    f.close_date < f.previous_close_date
  ) {
    add(signals, "amount_cut_pulled_in", "fields", "amount down, close date earlier");
  }
  if (
    f.next_step !== undefined &&
    // Trimmed first: `^\s*(?:...|)\s*$` split every run of spaces between its two `\s*` (quadratic).
    /^(?:follow[- ]?up|check[- ]?in|touch base|circle back|tbd|none|n\/a|-|)$/i.test(f.next_step.trim())
  ) {
    add(signals, "vague_next_step", "fields", "next_step");
  }
  const pastQualification = stage !== undefined && !["prospecting", "discovery"].includes(stage);
  if (f.metrics !== undefined && f.metrics.trim() === "" && pastQualification) {
    add(signals, "metrics_missing", "fields", "metrics empty");
  }
}

function inferStage(lower: string): Stage | undefined {
  for (const [stage, pattern] of STAGE_WORDS) if (pattern.test(lower)) return stage;
  return undefined;
}

/** Text and deal fields -> signals, stage and foundation evidence. Pure and deterministic. */
export function extractSignals(situation: Situation): SignalReport {
  // Every surface clips already; this is the backstop for a caller that forgot (README "Input limits").
  const text = normalizeText(clipFor("situation", situation.text));
  const lower = correctTypos(text.toLowerCase());
  const dumped = parseFieldDump(text);
  const fields: DealFields = { ...dumped, ...situation.deal };
  if (fields.stage !== undefined && !isStage(fields.stage)) delete fields.stage;

  let stage: Stage | undefined = situation.stage;
  let stageSource: SignalReport["stageSource"] = stage ? "given" : "none";
  if (!stage && fields.stage) {
    stage = fields.stage;
    stageSource = "fields";
  }
  if (!stage) {
    stage = inferStage(lower);
    if (stage) stageSource = "text";
  }

  const signals: Signal[] = [];
  const reading = readText(lower);
  for (const rule of TEXT_RULES) {
    // The rep's feelings and requests are read from the rep's own words (reading.ts).
    const source = REP_VOICE_SIGNALS.has(rule.id) ? reading.rep : lower;
    const match = firstMatch(rule, source);
    if (!match) continue;
    const signal: Signal = { id: rule.id, source: "text", evidence: match[0].trim() };
    if (reading.long) signal.place = placeOf(rule, source, match, reading.focus);
    if (!signals.some((s) => s.id === rule.id)) signals.push(signal);
  }
  fieldSignals(fields, stage, signals);
  if (
    fields.forecast_category === "commit" &&
    !signals.some((s) => s.id === "concern_raised" || s.id === "price_objection")
  ) {
    add(signals, "no_pushback", "fields", "forecast_category=commit with no risk recorded");
  }
  // Late stage with nothing known about legal, procurement or signature (docs/method.md, `late_stage_paper_unknown`). Only for a
  // stage the rep or the CRM stated: a guessed stage is too weak to override what the rep wrote.
  const paperKnown =
    (fields.paper_process?.trim() ?? "") !== "" ||
    (/\b(?:legal|procurement|proc|redlines?|msa|dpa|security review|paperwork|docusign)\b/.test(lower) &&
      !signals.some((s) => s.id === "late_stage_paper_unknown"));
  if (
    stage &&
    (stageSource === "given" || stageSource === "fields") &&
    (stage === "negotiation" || stage === "closing") &&
    !paperKnown
  ) {
    add(signals, "late_stage_paper_unknown", "fields", `stage=${stage}, paper process unknown`);
  }

  // Foundation evidence only steers the second theme for a known stage (select.ts foundationGap).
  const evidenced = new Set<Theme>();
  if (stage)
    for (const [theme, pattern] of FOUNDATION_EVIDENCE) if (pattern.test(lower)) evidenced.add(theme);

  const contentSignals = signals.filter(
    (s) => !["answer_request", "injection_attempt", "frustration"].includes(s.id),
  );
  const hasDealContent =
    contentSignals.length > 0 ||
    stage !== undefined ||
    Object.keys(situation.deal ?? {}).length > 0 ||
    DEAL_WORDS.test(lower);
  if (signals.length === 0 && !hasDealContent) add(signals, "no_context", "text", "no deal content");
  return { signals, stage, stageSource, evidenced, hasDealContent, fields, lower, long: reading.long };
}

export function isLateStage(stage: Stage | undefined): boolean {
  return stage !== undefined && (LATE_STAGES.includes(stage) || stage === "solution");
}
