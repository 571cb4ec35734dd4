-- Dimension: every channel through which customers and the business meet (harmonised codes).

CREATE TABLE dim_channel AS
SELECT
    ROW_NUMBER() OVER (ORDER BY channel_group, channel_code) AS channel_key,
    channel_code,
    channel_name,
    channel_group,
    is_digital
FROM ref_channel;

COMMENT ON TABLE dim_channel IS
    'Dimension: channels (web, mobile, e-mail, SMS, chat, phone, branch/store, post, payment and marketing channels) with their group and whether they are digital.';
COMMENT ON COLUMN dim_channel.channel_group IS 'digital, personal, mail, payment or marketing.';
