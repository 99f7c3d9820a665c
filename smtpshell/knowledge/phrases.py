"""What servers say in their own words, whoever they are: the first evidence the engine reads.

Each phrase is a regular expression searched in the reply's whole text (every line joined
without its code prefix and repeated enhanced code, lower-cased: see ``engine.reply_text``), so
patterns are written in lower case, and a phrase split over ``550-`` lines still matches.
Chinese wordings sit beside the English ones. The first phrase that matches wins, so specific
phrases come before general ones. ``stage`` says what the phrase is about (the same stages as
the provider tables: connection, auth, tls, sender, recipient, content, plus syntax and rate);
the engine compares it with what the code normally means to tell when a server uses a code
loosely. ``codes`` limits a phrase to full codes or classes.

Provider-specific codes and tags (NetEase's DT:SPM, Microsoft's 5.7.606) live in
``knowledge/providers/*.toml``, which the engine reads before this table.
"""

from __future__ import annotations

from typing import NamedTuple

_PF = "common server wording (Postfix, Exim, Exchange, Gmail)"
_CN = "wording of the Chinese providers (NetEase, QQ/Tencent, Alibaba, Sina, Coremail)"


class Phrase(NamedTuple):
    id: str  # i18n keys are hint.<id>.cause and hint.<id>.hint
    pattern: str  # searched (re) in the lower-cased, joined reply text
    cause: str  # what it means
    hint: str  # what to do
    source: str
    stage: str
    codes: tuple[int, ...] = (4, 5)
    # Read before the provider tables: a wording every provider shares, which the session's
    # facts (who logged in, what MAIL FROM said, TLS) make precise.
    leads: bool = False


PHRASES: tuple[Phrase, ...] = (
    Phrase("sender-login",
           r"(mail ?from|sender|envelope|envolope)[^.]{0,40}(must (be )?(equal|same|match)|mismatch|not (the )?same|doesn'?t conform|does not conform|not owned by)[^.]{0,30}(auth|login|logged)"
           r"|发信人.{0,10}(必须|需要).{0,10}(登录|认证)|发件人.{0,10}(与|和).{0,10}(登录|认证).{0,6}不",
           "the sender (MAIL FROM) is not the account you logged in as: this server lets an account send only as itself",
           "make MAIL FROM exactly the address you logged in with (AUTH user)", _CN + "; RFC 6409 4.3", "sender", leads=True),
    Phrase("auth-code",
           r"authori[sz]ation code|授权码|客户端授权|app(lication)?[- ]specific password",
           "this provider wants its authorization code (授权码, an app password) for SMTP, not the web login password",
           "create the authorization code in the mailbox's web settings (POP3/SMTP service) and log in with it",
           _CN, "auth"),
    Phrase("auth-fail-rate",
           r"too (much|many) fail(ed)? (authentication|auth|login)s?|too many (failed )?(login|auth(entication)?) (attempts|failures)|登录.{0,6}(频繁|次数过多)",
           "too many failed logins: the server blocks logins from you for a while",
           "stop retrying, check the username and the password or authorization code, then try again later",
           _CN, "auth", leads=True),
    Phrase("need-auth-first",
           r"need (ehlo and )?auth(entication)? first|auth(entication)? (is )?required|must (be )?auth|please authenticate|not logged in|smtp auth required|client not authenticated|请先登录|需要(身份)?认证",
           "the server only accepts this from a logged-in user: you are not authenticated (AUTH) yet",
           "log in first (EHLO, STARTTLS if offered, then AUTH), then repeat the command",
           "RFC 4954 6; " + _PF, "auth", leads=True),
    Phrase("tls-already",
           r"(not permitted|not allowed|already) (when|while|in|under)? ?(tls|ssl) (is )?(active|on|started|running)|tls (already )?(active|started)|already (running|using|in) tls",
           "TLS is already on: this connection is encrypted (port 465, or after an earlier STARTTLS), so there is nothing to upgrade",
           "carry on with EHLO and AUTH inside the TLS you have; do not send STARTTLS on port 465",
           "RFC 3207 4; RFC 8314 3", "tls", leads=True),
    Phrase("relay-denied",
           r"relay(ing)? (access )?(denied|not permitted|prohibited|not allowed)|not permitted to relay|unable to relay|relay not permitted|we do not relay|not an open relay|no smtp mx only|不允许(转发|中继)",
           "the server is not the final destination for this recipient and will not relay mail on for you",
           "log in (AUTH) to send through this server, or use a recipient in the server's own domain",
           "RFC 5321 3.6.2; " + _PF, "recipient", leads=True),
    Phrase("starttls-first",
           r"(must issue a )?starttls( command)? first|encryption required|tls required|requires? (a )?secure connection|must use tls",
           "the server accepts this only over an encrypted connection",
           "send STARTTLS, then EHLO again, then repeat the command", "RFC 3207 4; " + _PF, "tls"),
    Phrase("greylisting",
           r"grey ?list|gray ?list|greylisted",
           "greylisting: the server refuses a first attempt from an unknown sender on purpose; real servers retry",
           "try again in a few minutes (typically 1-15); a real mail server retries on its own",
           "RFC 6647; " + _PF, "recipient", (4,)),
    Phrase("reverse-dns",
           r"cannot find your (reverse )?hostname|reverse (dns|lookup|hostname)|no ptr|ptr record|dns ptr|反向解析",
           "your IP address has no (matching) reverse DNS name (PTR record), and the server requires one",
           "send from a host whose IP has a PTR record matching its name, or through your provider's relay",
           "RFC 7372; " + _PF, "connection"),
    Phrase("helo-rejected",
           r"helo command rejected|need fully-qualified hostname|invalid (helo|ehlo)|bad (helo|ehlo)|syntactically invalid (helo|ehlo)",
           "the name you gave after EHLO/HELO is refused (not a fully-qualified hostname, or it does not resolve)",
           "EHLO with your host's real fully-qualified name, or an address literal like [192.0.2.1]",
           "RFC 5321 4.1.1.1; " + _PF, "connection"),
    Phrase("spf",
           r"\bspf\b|sender policy framework",
           "an SPF check failed: the sender's domain does not allow the IP address you send from",
           "send through a server the sender's domain authorises, or fix the domain's SPF record",
           "RFC 7208; RFC 7372", "sender"),
    Phrase("dmarc", r"\bdmarc\b",
           "the message failed the From: domain's DMARC policy (SPF and DKIM do not align with it)",
           "sign with DKIM for the From: domain and align SPF; check the domain's DMARC record", "RFC 7489", "content"),
    Phrase("sender-verify",
           r"sender verify failed|sender address rejected: domain not found|sender domain (must exist|not found|does not exist)|domain of sender address .* does not (exist|resolve)",
           "the sender address (MAIL FROM) failed the server's check: its domain does not exist or cannot receive replies",
           "use a sender address in a real, resolvable domain that accepts mail", "RFC 3463 3.2; " + _PF, "sender"),
    Phrase("recipient-domain",
           r"recipient address rejected: domain not found|recipient domain not found",
           "the recipient's domain does not exist in DNS",
           "check the part of the address after @", "RFC 3463 3.2; " + _PF, "recipient"),
    Phrase("spamhaus", r"spamhaus",
           "your IP address or the sender's domain is on a Spamhaus blocklist, which this server consults",
           "look it up at spamhaus.org and ask for removal, or send through a relay with a clean address", _PF, "connection"),
    Phrase("host-blocked",
           r"client host (\[[^\]]*\] )?blocked|(adresse )?ip source bloquee|ip (address )?(is )?(blocked|banned)",
           "your IP address (the client host) is blocked by this server, usually after spam was seen from it",
           "send through your provider's relay, or ask the server's postmaster to unblock the IP", _PF, "connection"),
    Phrase("blocklist",
           r"spamcop|blocked using|listed (at|on|in)|block ?list|black ?list|blacklisted|\brbl\b|\bdnsbl\b|banned sending ip|黑名单",
           "your IP address (or its network) is on a blocklist the server consults",
           "look the address up on the named list and ask for removal; home and cloud addresses usually must send through a relay",
           _PF, "connection"),
    Phrase("too-many-recipients",
           r"too many recipients|number of rcpts?[^.]{0,30}(over|exceed|maximum|threshold)|total of rcpts?|rcpts? (is )?over size|maximum (limit of )?\d* ?recipients|recipients? limit|收件人.{0,6}(过多|超过)",
           "too many recipients for one message (or one connection)",
           "send the rest of the recipients in another message", "RFC 5321 4.5.3.1.10; " + _PF, "recipient"),
    Phrase("rate-limit",
           r"reached (its|the) limit|excessive (volume|rate)|frequency limited|too (frequently|quickly|fast)|rate limit(ed)?|unusual rate|too many (connections|messages|mails)|throttl|exceeded .*(rate|quota)|发送频率|频率限制|过于频繁",
           "you sent too much, too fast (a rate or frequency limit on your IP, account or connection)",
           "slow down: send fewer messages or connections per minute, and try again later", _PF + "; " + _CN, "rate"),
    Phrase("too-big",
           r"message (is )?too (big|large)|exceeded .*size|size limit|message size|too large|邮件(过大|大小)",
           "the message is larger than the server accepts",
           "send a smaller message (attachments by link); the EHLO SIZE line shows the limit", "RFC 1870 6", "content"),
    Phrase("mailbox-full",
           r"over quota|mailbox (is )?full|quota exceeded|insufficient storage|空间不足|邮箱已满",
           "the recipient's mailbox is full (over quota)",
           "try again later, or reach the recipient another way", "RFC 3463 3.3", "recipient"),
    Phrase("from-header", r"from: header|valid address in from|no from header|header from",
           "the message's From: header is missing or not valid (or does not match the sender)",
           "give the message one From: header with a valid address (the sender's own)", "RFC 5322 3.6.2", "content"),
    Phrase("attachment", r"illegal attachment|attachment.{0,20}(not allowed|blocked|prohibited)",
           "an attachment in the message is not allowed (its type, or what it contains)",
           "remove the attachment or send it another way (a link)", _PF, "content"),
    Phrase("virus", r"virus|malware|病毒",
           "a virus (or malware) was found in the message", "remove the infected attachment; do not resend it", _PF, "content"),
    Phrase("spam",
           r"\bspam\b|junk ?mail|unsolicited|content (rejected|denied)|message content rejected|垃圾邮件",
           "the message (or the sender) was classed as spam by the server's filter",
           "check the content and the sender's authentication (SPF, DKIM, DMARC); do not resend it unchanged",
           _PF, "content"),
    Phrase("no-longer-valid", r"no longer (valid|exists|active|in use)",
           "the address is no longer valid: the mailbox was closed", "remove the address from your list", _PF, "recipient"),
    Phrase("policy", r"policy reasons|local policy|for policy|due to policy|policy violation",
           "refused for policy reasons (the server's local policy: content, reputation or authentication)",
           "the reply's link or code says which policy; do not resend it unchanged", _PF, "content"),
    Phrase("unknown-user",
           r"user unknown|unknown user|no such user|user not found|mailbox not found|recipient not found|invalid recipient|"
           r"does ?n[o']t exist|dosn't exist|no such (mailbox|recipient)|no longer valid|doesn't have a .* account|用户不存在|收件人不存在",
           "the recipient does not exist: no mailbox of that name exists at the destination",
           "check the spelling of the address; the part before @ is what the server does not know",
           "RFC 3463 3.2; " + _PF, "recipient"),
    Phrase("mailbox-disabled", r"(mailbox|account|user) (is )?(disabled|suspended|inactive|locked)|被(冻结|禁用)",
           "the recipient's mailbox exists but is disabled", "reach the recipient another way", "RFC 3463 3.3", "recipient"),
    Phrase("bare-lf", r"bare (<?lf>?|linefeed|newline)",
           "the server refuses lines ending in a bare LF instead of CRLF (a defence against SMTP smuggling)",
           "make sure every line ends in CRLF; smtpshell sends CRLF for what you type", _PF, "syntax"),
    Phrase("pipelining-misuse", r"improper use of smtp command pipelining|pipelining (not allowed|violation)",
           "you sent several commands at once to a server that did not advertise PIPELINING",
           "wait for each reply before sending the next command; pipeline only after EHLO lists PIPELINING",
           "RFC 2920 3.1; " + _PF, "syntax"),
    Phrase("not-recognized", r"unrecogni[sz]ed command|command (\"[^\"]*\" )?not recogni[sz]ed|unknown command|命令(无法识别|不识别)",
           "the command is not recognized by the server (an unrecognized verb: misspelt, or not offered here)",
           "check the spelling of the command; the EHLO reply lists what the server offers", "RFC 5321 4.2.4", "syntax"),
    Phrase("not-advertised", r"used when not advertised",
           "the command came before the server's EHLO reply offered it",
           "say EHLO first and use only what it lists (AUTH often appears only after STARTTLS)", "RFC 5321 4.1.4", "syntax"),
    Phrase("not-supported", r"not (supported|enabled|implemented)|未开启|不支持",
           "the server does not offer this here (not implemented, not supported or not enabled on this listener)",
           "use what the EHLO reply lists; submission with AUTH is usually on port 587 or 465", "RFC 5321 4.2.4", "syntax"),
    Phrase("send-hello", r"send hello first|say hello first|ehlo first|helo first|polite people say hello",
           "the server wants EHLO (or HELO) before this command", "send EHLO your.host.name first", "RFC 5321 4.1.4", "syntax"),
    Phrase("syntax", r"bad (address )?syntax|syntax error|invalid (address|syntax)|unrecogni[sz]ed parameter|not a valid rfc-?5321 address|语法错误",
           "the server found a syntax error in what you sent (the command, the address or a parameter)",
           "check the line: addresses go in <angle brackets>, parameters only if EHLO offers them", "RFC 5321 4.1.2", "syntax"),
)
